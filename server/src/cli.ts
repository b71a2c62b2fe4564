#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import { hashKey } from './auth/key-hash.js';
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
  .showHelpAfterError()
  .action(serve);

program
  .command('hash-key')
  .description('print the hash of a stream key for the config file (key: or a key list); reads the key from stdin, one line')
  .option('--random', 'make a new random key (32 bytes, base64url) and print it, then its hash')
  .action(async ({ random }: { random?: boolean }) => {
    let key: string;
    if (random === true) {
      key = randomBytes(32).toString('base64url');
      process.stdout.write(`key:  ${key}\n`);
    } else {
      if (process.stdin.isTTY) process.stderr.write('stream key (input is not hidden; end with Enter): ');
      const lines = createInterface({ input: process.stdin, terminal: false });
      key = ((await lines[Symbol.asyncIterator]().next()).value as string | undefined) ?? '';
      lines.close();
      if (key === '') {
        process.stderr.write(`${program.name()} hash-key: no key on stdin\n`);
        process.exit(2);
      }
    }
    process.stdout.write(`${random === true ? 'hash: ' : ''}${await hashKey(key)}\n`);
  });

await program.parseAsync();

async function serve(): Promise<void> {
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
  // Replaced on SIGHUP: secret rotation without a restart.
  let signingSecrets: readonly string[] = config.playback.signing?.secrets ?? [];
  let origin: Origin;
  try {
    origin = createOrigin({
      port: config.server.port,
      host: config.server.host,
      latency: config.latency,
      transcode: config.transcode,
      streams: config.streams,
      rtmp: config.rtmp.enabled ? { port: config.rtmp.port, ...(config.rtmp.host === undefined ? {} : { host: config.rtmp.host }) } : false,
      srt: config.srt.enabled,
      ...(config.srt.host === undefined ? {} : { srtHost: config.srt.host }),
      pull: config.pull,
      ffmpeg: { path: config.ffmpeg.path, ffprobePath: config.ffmpeg.ffprobePath },
      testSource: config.testSource.enabled
        ? { stream: config.testSource.stream, ffmpegPath: config.ffmpeg.path, transcode: config.transcode }
        : false,
      logger,
      ...(config.server.publicUrl === undefined ? {} : { publicUrl: config.server.publicUrl }),
      limits: config.limits,
      privateStreams: config.testSource.enabled && config.testSource.private ? [config.testSource.stream] : [],
      ...(config.playback.signing === undefined
        ? {}
        : { playbackSigning: { secrets: () => signingSecrets, clockSkew: config.playback.signing.clockSkew } }),
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

  // Key rotation without a restart: re-read the config file, replace every declared stream's keys.
  const reload = async (): Promise<void> => {
    if (flags.config === undefined) {
      logger.warn('SIGHUP: started without --config, nothing to reload');
      return;
    }
    let next: OriginConfig;
    try {
      next = await loadConfig(flags.config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logger.error({ config: flags.config, problems: error.issues }, 'config reload refused; the running config stays');
      return;
    }
    if (config.playback.signing !== undefined) {
      if (next.playback.signing === undefined) logger.warn('config reload: playback.signing cannot be removed without a restart; the running secrets stay');
      else signingSecrets = next.playback.signing.secrets;
    }
    const replaced: string[] = [];
    for (const stream of next.streams) {
      try {
        if (await origin.streams.setKeys(stream.name, stream.key ?? [])) replaced.push(stream.name);
        else logger.warn({ stream: stream.name }, 'config reload: a new stream needs a restart (or POST /api/streams)');
      } catch (error) {
        if (!(error instanceof InvalidStreamError)) throw error;
        logger.error({ stream: stream.name, reason: error.message }, 'config reload: keys of this stream not replaced');
      }
    }
    logger.info({ config: flags.config, streams: replaced, signingSecrets: signingSecrets.length }, 'config reloaded: stream keys replaced (other changes need a restart)');
  };
  process.on('SIGHUP', () => {
    reload().catch((error: unknown) => logger.error({ err: error }, 'config reload failed'));
  });

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
}
