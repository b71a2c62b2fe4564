// Soak test of the origin (npm run bench:soak): the origin with its built-in
// test source (the default 4-rung ladder from one ffmpeg) and N viewers for
// a long time, sampling what would show a leak.
//
//   nice -n 10 npm run bench:soak                       # 30 min, 200 viewers; from the repository root
//   npm run bench:soak -- --minutes 5 --viewers 50      # a short one
//
// Processes: the origin (`src/cli.ts` under tsx, as `npm start` runs it but
// on a free loopback port), its ffmpeg, and one viewer process
// (load-viewers.ts) whose viewers behave like the low-latency player on one
// video rendition each, spread round-robin over the ladder.
//
// Every `--interval` seconds: the origin's RSS (/proc/PID/status) and open
// file descriptors (/proc/PID/fd), and from its /metrics the V8 heap in use
// (nodejs_heap_size_used_bytes), the event-loop delay p99 and max over the
// interval (nodejs_eventloop_lag_*: prom-client resets its histogram on each
// scrape), and the segment responses being sent (llstream_open_readers); from
// the viewers, bytes received, complete and failed segment responses.
// The summary compares the first and last minute after the warm-up and fits
// a least-squares line through the samples after the warm-up: its slope per
// hour is the growth a leak would show. Results go to
// server/bench/results/soak-<time>.md and .json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import asciichart from 'asciichart';
import {
  ask,
  cpuSeconds,
  expectExits,
  forkModule,
  freePort,
  getText,
  loadAverage,
  openFds,
  processTree,
  rssBytes,
  serverDir,
  sleep,
  startProcess,
  stopProcess,
  type Child,
} from './bench-processes.js';
import type { ViewerReport } from './load-protocol.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    viewers: { type: 'string', default: '200' },
    interval: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '120' },
    out: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const viewerCount = Number(values.viewers);
const interval = Number(values.interval);
const warmup = Number(values.warmup);
if (!(minutes > 0)) throw new Error(`--minutes: expected a positive number, got ${values.minutes}`);
if (!Number.isInteger(viewerCount) || viewerCount < 1) throw new Error(`--viewers: expected a positive integer, got ${values.viewers}`);
if (!(interval >= 1)) throw new Error(`--interval: expected seconds >= 1, got ${values.interval}`);
if (!(warmup >= 0) || warmup >= minutes * 60) throw new Error(`--warmup: expected seconds >= 0 and shorter than the run, got ${values.warmup}`);

const STREAM = 'demo';
const MiB = 2 ** 20;

interface Sample {
  /** Seconds since the viewers started. */
  t: number;
  rssMiB: number;
  heapMiB: number;
  fds: number;
  loopP99Ms: number;
  loopMaxMs: number;
  openReaders: number;
  originCores: number;
  viewerCores: number;
  ffmpegCores: number;
  /** Over the interval: bits/s delivered to the viewers, complete and failed segment responses. */
  deliveredMbps: number;
  responses: number;
  failures: number;
  load: string;
}

function metric(text: string, name: string): number {
  let total = Number.NaN;
  for (const row of text.split('\n')) {
    if (!row.startsWith(name) || (row[name.length] !== ' ' && row[name.length] !== '{')) continue;
    const value = Number(row.slice(row.lastIndexOf(' ') + 1));
    total = Number.isNaN(total) ? value : total + value;
  }
  return total;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let index = 0; index < n; index++) {
    num += (xs[index]! - mx) * (ys[index]! - my);
    den += (xs[index]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const children: Child[] = [];
async function shutdown(): Promise<void> {
  expectExits();
  for (const child of children.reverse()) {
    if (child.child.connected) child.child.send({ type: 'stop' });
    await stopProcess(child);
  }
}
process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));

try {
  const port = await freePort();
  const originUrl = `http://127.0.0.1:${port}`;
  // Every viewer comes from 127.0.0.1: lift the per-client cap on held requests (64 by default).
  const config = join(tmpdir(), `llstream-soak-${process.pid}.json`);
  writeFileSync(config, JSON.stringify({ limits: { maxHeldRequestsPerClient: 1_000_000 } }));
  const origin = startProcess(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', '--config', config, '--port', String(port), '--host', '127.0.0.1', '--test-stream', STREAM, '--log-level', 'warn', '--log-format', 'json'],
    'origin',
  );
  children.push(origin);
  const originPid = origin.child.pid!;
  let manifest = '';
  {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const got = await getText(`${originUrl}/live/${STREAM}/manifest.mpd`);
      if (got.status === 200) {
        manifest = got.body;
        break;
      }
      if (Date.now() > deadline || process.exitCode === 1) throw new Error(`no manifest at ${originUrl}/live/${STREAM}/manifest.mpd after 60 s:\n${origin.tail.join('\n')}`);
      await sleep(500);
    }
  }
  const renditions = [...manifest.matchAll(/<Representation id="([^"]+)"[^>]*mimeType="video\//g)].map((m) => m[1]!);
  if (renditions.length === 0) throw new Error(`no video representation in the manifest:\n${manifest}`);
  const viewers = await forkModule('load-viewers.ts', [], 'viewers');
  children.push(viewers);
  await ask(viewers.child, { type: 'add', count: viewerCount, baseUrl: originUrl, streamPath: `/live/${STREAM}`, representations: renditions, spreadMs: 5000 }, 'added');
  await ask(viewers.child, { type: 'record', on: true }, 'recording');
  const ffmpegPid = (): number[] => processTree(originPid).slice(1);
  console.log(
    `origin pid ${originPid} at ${originUrl} (test source, renditions ${renditions.join(', ')}); ${viewerCount} viewers spread over them; ` +
      `${minutes} min, a sample every ${interval} s, warm-up ${warmup} s; ${cpus().length} cores; nice ${process.env.NICE ?? 'as started'}; load ${loadAverage()}`,
  );

  const samples: Sample[] = [];
  const startedAt = performance.now();
  let last = { at: startedAt, origin: cpuSeconds([originPid]), viewers: cpuSeconds([viewers.child.pid!]), ffmpeg: cpuSeconds(ffmpegPid()) };
  const end = startedAt + minutes * 60_000;
  while (performance.now() < end) {
    await sleep(Math.min(interval * 1000, Math.max(0, end - performance.now())));
    const metrics = (await getText(`${originUrl}/metrics`)).body;
    const { report } = await ask<{ report: ViewerReport }>(viewers.child, { type: 'collect', chunks: [] }, 'report');
    const now = performance.now();
    const usage = { at: now, origin: cpuSeconds([originPid]), viewers: cpuSeconds([viewers.child.pid!]), ffmpeg: cpuSeconds(ffmpegPid()) };
    const wall = (now - last.at) / 1000;
    const sample: Sample = {
      t: (now - startedAt) / 1000,
      rssMiB: rssBytes(originPid) / MiB,
      heapMiB: metric(metrics, 'nodejs_heap_size_used_bytes') / MiB,
      fds: openFds(originPid),
      loopP99Ms: metric(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      loopMaxMs: metric(metrics, 'nodejs_eventloop_lag_max_seconds') * 1000,
      openReaders: metric(metrics, 'llstream_open_readers'),
      originCores: (usage.origin - last.origin) / wall,
      viewerCores: (usage.viewers - last.viewers) / wall,
      ffmpegCores: (usage.ffmpeg - last.ffmpeg) / wall,
      deliveredMbps: (report.bytes * 8) / 1e6 / wall,
      responses: report.responses,
      failures: report.failures,
      load: loadAverage(),
    };
    last = usage;
    samples.push(sample);
    console.log(
      `${sample.t.toFixed(0).padStart(5)} s  RSS ${sample.rssMiB.toFixed(1)} MiB  heap ${sample.heapMiB.toFixed(1)} MiB  fds ${sample.fds}  ` +
        `loop p99 ${sample.loopP99Ms.toFixed(1)} ms max ${sample.loopMaxMs.toFixed(1)} ms  readers ${sample.openReaders}  ` +
        `origin ${sample.originCores.toFixed(2)} cores  ${sample.deliveredMbps.toFixed(0)} Mb/s  responses ${sample.responses} failed ${sample.failures}` +
        `${sample.failures > 0 ? ` ${JSON.stringify(report.failureReasons)}` : ''}  load ${sample.load}`,
    );
  }

  const steady = samples.filter((s) => s.t >= warmup);
  const perMinute = Math.max(1, Math.round(60 / interval));
  const first = steady.slice(0, perMinute);
  const lastMinute = steady.slice(-perMinute);
  const mean = (list: readonly Sample[], key: keyof Sample): number => list.reduce((sum, s) => sum + (s[key] as number), 0) / list.length;
  const hours = steady.map((s) => s.t / 3600);
  const quantities: Array<[string, keyof Sample, string, number]> = [
    ['origin RSS', 'rssMiB', 'MiB', 1],
    ['V8 heap used', 'heapMiB', 'MiB', 1],
    ['open file descriptors', 'fds', '', 0],
    ['event-loop delay p99', 'loopP99Ms', 'ms', 1],
    ['event-loop delay max', 'loopMaxMs', 'ms', 1],
    ['segment responses open', 'openReaders', '', 0],
    ['origin CPU', 'originCores', 'cores', 2],
  ];
  const table = [
    `| | first minute after warm-up (mean) | last minute (mean) | change | least-squares slope per hour |`,
    '|---|---|---|---|---|',
    ...quantities.map(([label, key, unit, digits]) => {
      const a = mean(first, key);
      const b = mean(lastMinute, key);
      const s = slope(
        hours,
        steady.map((sample) => sample[key] as number),
      );
      return `| ${label} | ${a.toFixed(digits)} ${unit} | ${b.toFixed(digits)} ${unit} | ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(digits)} ${unit} | ${(s >= 0 ? '+' : '') + s.toFixed(digits + 1)} ${unit}/h |`;
    }),
  ].join('\n');
  const responses = samples.reduce((sum, s) => sum + s.responses, 0);
  const failures = samples.reduce((sum, s) => sum + s.failures, 0);
  const delivered = samples.reduce((sum, s) => sum + s.deliveredMbps, 0) / samples.length;
  const chart = (key: keyof Sample, label: string): string =>
    `${label}\n${asciichart.plot(
      samples.map((s) => s[key] as number),
      { height: 8, format: (x: number) => x.toFixed(1).padStart(8) },
    )}`;
  const charts = [chart('rssMiB', 'origin RSS, MiB'), chart('heapMiB', 'V8 heap used, MiB'), chart('fds', 'open file descriptors')].join('\n\n');
  const summary =
    `${viewerCount} viewers over ${(samples.at(-1)!.t / 60).toFixed(1)} min: ${responses} segment responses complete, ${failures} failed; ` +
    `${delivered.toFixed(0)} Mb/s delivered on average. Warm-up excluded from the comparison and the fit: first ${warmup} s. ` +
    `One sample every ${interval} s (x axis of the charts: sample number).`;
  console.log(`\n${table}\n\n${summary}\n\n${charts}`);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  // --out is relative to where npm was run (INIT_CWD), not to server/.
  const out = values.out !== undefined ? resolve(process.env.INIT_CWD ?? process.cwd(), values.out) : join(serverDir, 'bench', 'results', `soak-${stamp}`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(
    `${out}.md`,
    `# bench:soak ${new Date().toISOString()}\n\n\`npm run bench:soak -- ${process.argv.slice(2).join(' ')}\`; ${cpus().length} cores; ` +
      `origin with its test source (renditions ${renditions.join(', ')}).\n\n${table}\n\n${summary}\n\n\`\`\`\n${charts}\n\`\`\`\n`,
  );
  writeFileSync(`${out}.json`, `${JSON.stringify({ argv: process.argv.slice(2), renditions, samples }, null, 2)}\n`);
  console.log(`\nwritten: ${out}.md, ${out}.json`);
} finally {
  await shutdown();
}
