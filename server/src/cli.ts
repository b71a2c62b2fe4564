#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino, type LevelWithSilent } from 'pino';
import { TestSourceUnavailableError } from './ingest/test-source.js';
import { createOrigin } from './origin/create-origin.js';
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

const program = new Command('llstream-origin')
  .description('llstream reference origin: low-latency MPEG-DASH ingest and chunked playback, with a built-in ffmpeg test source')
  .addOption(new Option('-p, --port <port>', 'TCP port (0: any free port)').default(8080).argParser(port))
  .option('-H, --host <address>', 'address to bind', '0.0.0.0')
  .option('--no-test-source', 'do not start the built-in ffmpeg test source')
  .addOption(new Option('--test-stream <name>', 'stream name the test source publishes').default('demo').argParser(streamName))
  .option('--ffmpeg <path>', 'ffmpeg binary for the test source', 'ffmpeg')
  .addOption(new Option('--public-url <url>', 'base URL viewers reach the origin by, for UTCTiming (default: from each request)').argParser(absoluteUrl))
  .addOption(
    new Option('--log-level <level>', 'log level').default('info').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  )
  .addOption(
    new Option('--log-format <format>', 'pino JSON lines, or pretty lines for a person (default: pretty on a terminal)')
      .choices(['json', 'pretty'])
      .default(process.stdout.isTTY ? 'pretty' : 'json'),
  )
  .showHelpAfterError();

program.parse();
const flags = program.opts<{
  port: number;
  host: string;
  testSource: boolean;
  testStream: string;
  ffmpeg: string;
  publicUrl?: string;
  logLevel: LevelWithSilent;
  logFormat: 'json' | 'pretty';
}>();

const logger = pino({
  level: flags.logLevel,
  ...(flags.logFormat === 'pretty' ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
});
const origin = createOrigin({
  port: flags.port,
  host: flags.host,
  testSource: flags.testSource ? { stream: flags.testStream, ffmpegPath: flags.ffmpeg } : false,
  logger,
  ...(flags.publicUrl === undefined ? {} : { publicUrl: flags.publicUrl }),
});

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
    process.stderr.write(`llstream-origin: ${error.message}\n`);
  } else {
    logger.fatal({ err: error }, 'origin failed to start');
  }
  await origin.close();
  process.exit(1);
}
