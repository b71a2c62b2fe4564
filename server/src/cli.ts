#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import type { OriginConfig } from './config/config-schema.js';
import { ConfigError, defaultConfig, loadConfig } from './config/load-config.js';
import { InvalidStreamError, StreamExistsError } from './ingest/stream-manager.js';
import { TestSourceUnavailableError } from './ingest/test-source.js';
import { createOrigin, type Origin } from './origin/create-origin.js';
import { STREAM_NAME_PATTERN } from './origin/names.js';

function port(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65_535) throw new InvalidArgumentError('expected an integer from 0 to 65535');
  return number;
}

function streamName(value: string): string {
  if (!STREAM_NAME_PATTERN.test(value)) throw new InvalidArgumentError('expected 1 to 64 characters of A-Z a-z 0-9 _ -');
  return value;
}

function absoluteUrl(value: string): string {
  if (!/^https?:\/\/[^/?#]+\/?$/.test(value)) throw new InvalidArgumentError('expected an http(s) URL with no path, e.g. https://live.example.com');
  return value;
}

const defaults = defaultConfig();
const program = new Command('llstream-server')
  .description('llstream reference origin: low-latency MPEG-DASH ingest and chunked playback, with a built-in ffmpeg test source')
  .option('-c, --config <file>', 'config file, YAML or JSON (see llstream.example.yaml); flags override it')
  .addOption(new Option('-p, --port <port>', 'TCP port (0: any free port)').default(defaults.server.port).argParser(port))
  .option('-H, --host <address>', 'address to bind', defaults.server.host)
  .option('--no-test-source', 'do not start the built-in ffmpeg test source')
  .addOption(new Option('--test-stream <name>', 'stream name the test source publishes').default(defaults.testSource.stream).argParser(streamName))
  .option('--ffmpeg <path>', 'ffmpeg binary', defaults.ffmpeg.path)
  .addOption(new Option('--rtmp-port <port>', 'RTMP publish port (used when a stream has source rtmp)').default(defaults.rtmp.port).argParser(port))
  .addOption(new Option('--public-url <url>', 'base URL viewers reach the origin by, for UTCTiming (default: from each request)').argParser(absoluteUrl))
  .addOption(
    new Option('--log-level <level>', 'log level').default(defaults.log.level).choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  )
  .addOption(
    new Option('--log-format <format>', 'pino JSON lines, or pretty lines for a person (default: pretty on a terminal)').choices(['json', 'pretty']),
  )
  .showHelpAfterError();

program.parse();
const flags = program.opts<{
  config?: string;
  port: number;
  host: string;
  testSource: boolean;
  testStream: string;
  ffmpeg: string;
  rtmpPort: number;
  publicUrl?: string;
  logLevel: OriginConfig['log']['level'];
  logFormat?: 'json' | 'pretty';
}>();

let config: OriginConfig;
try {
  config = await loadConfig(flags.config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${program.name()}: ${error.message.split('\n').join(`\n${program.name()}: `)}\n`);
  process.exit(2);
}
/** Flags given on the command line win over the file; their defaults do not. */
const given = (flag: keyof typeof flags): boolean => program.getOptionValueSource(flag) === 'cli';
if (given('port')) config.server.port = flags.port;
if (given('host')) config.server.host = flags.host;
if (given('publicUrl')) config.server.publicUrl = flags.publicUrl;
if (given('testSource')) config.testSource.enabled = flags.testSource;
if (given('testStream')) config.testSource.stream = flags.testStream;
if (given('ffmpeg')) config.ffmpeg.path = flags.ffmpeg;
if (given('rtmpPort')) config.rtmp.port = flags.rtmpPort;
if (given('logLevel')) config.log.level = flags.logLevel;
if (given('logFormat')) config.log.format = flags.logFormat;
const logFormat = config.log.format ?? (process.stdout.isTTY ? 'pretty' : 'json');

const logger = pino({
  level: config.log.level,
  ...(logFormat === 'pretty' ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
});
let origin: Origin;
try {
  origin = createOrigin({
    port: config.server.port,
    host: config.server.host,
    latency: config.latency,
    transcode: config.transcode,
    streams: config.streams,
    rtmp: config.rtmp.enabled ? { port: config.rtmp.port } : false,
    srt: config.srt.enabled,
    ffmpeg: { path: config.ffmpeg.path, ffprobePath: config.ffmpeg.ffprobePath },
    testSource: config.testSource.enabled
      ? { stream: config.testSource.stream, ffmpegPath: config.ffmpeg.path, transcode: config.transcode }
      : false,
    logger,
    ...(config.server.publicUrl === undefined ? {} : { publicUrl: config.server.publicUrl }),
    ...(config.api.token === undefined ? {} : { apiToken: config.api.token }),
    ...(config.metrics.token === undefined ? {} : { metricsToken: config.metrics.token }),
  });
} catch (error) {
  // A stream the config declares that cannot be run (e.g. an SRT key that is no valid passphrase).
  if (!(error instanceof InvalidStreamError || error instanceof StreamExistsError)) throw error;
  process.stderr.write(`${program.name()}: ${flags.config ?? 'config'}: ${error.message}\n`);
  process.exit(2);
}
if (flags.config !== undefined) logger.info({ config: flags.config }, 'config loaded');

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) {
    // A second signal: leave now; the exit hook still kills ffmpeg.
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, 'origin stopping');
  origin.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'origin did not stop cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  await origin.listen();
} catch (error) {
  if (error instanceof TestSourceUnavailableError) {
    process.stderr.write(`${program.name()}: ${error.message}\n`);
  } else {
    logger.fatal({ err: error }, 'origin failed to start');
  }
  await origin.close();
  process.exit(1);
}
