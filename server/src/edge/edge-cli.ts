#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { EdgeStartError, parseOriginUrl, startEdge, VarnishNotFoundError, type Edge } from './start-edge.js';

function port(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > 65_535) throw new InvalidArgumentError('expected an integer from 1 to 65535');
  return number;
}

function origin(value: string): string {
  try {
    parseOriginUrl(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^origin: /, ''));
  }
  return value;
}

function param(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = /^([a-z_]+)=(.+)$/.exec(value);
  if (match === null) throw new InvalidArgumentError('expected name=value, e.g. thread_pool_min=200');
  return { ...previous, [match[1]!]: match[2]! };
}

const program = new Command('llstream-edge')
  .description('Varnish in front of a running llstream origin: streams misses, collapses concurrent requests, caches segments (server/edge/llstream.vcl)')
  .addOption(new Option('-o, --origin <url>', 'the origin, http://host:port').default('http://127.0.0.1:8080').argParser(origin))
  .addOption(new Option('-p, --port <port>', 'port the edge listens on').default(8081).argParser(port))
  .option('-H, --host <address>', 'address the edge listens on', '0.0.0.0')
  .option('--varnishd <path>', 'varnishd binary (default: varnishd on PATH, then /usr/sbin/varnishd)')
  .option('--storage <spec>', 'Varnish cache storage (-s)', 'malloc,256m')
  .option('-n, --work-dir <dir>', 'Varnish work directory (-n; default: a fresh temporary one, removed on exit)')
  .addOption(new Option('--param <name=value>', 'extra varnishd runtime parameter (-p), repeatable').argParser(param))
  .option('--include <file...>', 'VCL files included before llstream.vcl (e.g. signed-urls.vcl)')
  .showHelpAfterError();

program.parse();
const flags = program.opts<{
  origin: string;
  port: number;
  host: string;
  varnishd?: string;
  storage: string;
  workDir?: string;
  param?: Record<string, string>;
  include?: string[];
}>();

const name = program.name();
let edge: Edge;
try {
  edge = await startEdge({
    origin: flags.origin,
    port: flags.port,
    host: flags.host,
    storage: flags.storage,
    output: 'inherit',
    ...(flags.varnishd === undefined ? {} : { varnishd: flags.varnishd }),
    ...(flags.workDir === undefined ? {} : { workDir: flags.workDir }),
    ...(flags.param === undefined ? {} : { params: flags.param }),
    ...(flags.include === undefined ? {} : { include: flags.include }),
  });
} catch (error) {
  if (error instanceof VarnishNotFoundError || error instanceof EdgeStartError || error instanceof TypeError) {
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

process.stderr.write(
  `${name}: edge on ${edge.url} in front of ${flags.origin} (varnishd pid ${edge.pid}, work dir ${edge.workDir})\n` +
    `${name}: play ${edge.url}/?src=/live/demo/manifest.mpd; publishers keep pushing to the origin\n`,
);

// varnishd is our child: pass the signal on and leave when it has stopped.
let signalled = false;
const forward = (): void => {
  if (signalled) {
    edge.kill('SIGKILL');
    return;
  }
  signalled = true;
  void edge.stop().then(() => process.exit(0));
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

const { code, signal } = await edge.exited;
if (!signalled) {
  process.stderr.write(`${name}: varnishd exited (${signal ?? `code ${code}`})\n`);
  await edge.stop();
  process.exit(code === 0 ? 0 : 1);
}
