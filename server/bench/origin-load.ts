// Load benchmark of the origin (npm run bench:origin), directly and through a
// Varnish edge: how many concurrent low-latency viewers of one rendition it
// holds with chunk delivery delay p99 under 50 ms.
//
//   flock /tmp/bench.lock npm run bench:origin                  # from the repository root
//   npm run bench:origin -- --mode direct --viewers 500,1000,2000 --seconds 15
//   npm run bench:origin -- --mode direct --viewers 200 --stalled 20   # fan-out with stalled viewers
//
// Processes (so that the viewers' CPU is not the origin's):
// - the origin (load-origin.ts: createOrigin, open HTTP ingest on loopback,
//   plus per-chunk arrival times and per-segment request counts);
// - ffmpeg publishing one rendition (testsrc2 720p30, libx264 veryfast
//   zerolatency 2.5 Mb/s, one CMAF chunk per frame);
// - `--processes` viewer processes (load-viewers.ts), the viewers shared
//   among them; each viewer is one undici Client (one keep-alive connection)
//   that requests the manifest, the init segment, then each segment the
//   moment the previous one ends (held by the origin or edge until its
//   upload starts), reading chunks as they stream;
// - with `--mode edge`, varnishd between viewers and origin (startEdge:
//   server/edge/llstream.vcl).
//
// Delivery delay of a chunk to a viewer: the time the viewer had the chunk's
// last byte minus the time the chunk arrived at the origin, both on the
// host's monotonic clock (CLOCK_MONOTONIC, shared by all processes). Only
// chunks that arrived after the viewer asked for their segment count (the
// rule of the origin's own fan-out metric; a held request counts for the
// whole segment). Over `--seconds` per step, after `--warmup` seconds.
//
// Per step: delay p50/p99/max, chunks counted and missed, segment responses
// that failed, origin CPU (cores) and RSS (max of 1 s samples) and both per
// 100 viewers (RSS above the origin's RSS before any viewer), origin
// requests per media segment of the rendition, bytes per second delivered to
// the viewers, and the CPU of ffmpeg, the viewer processes and varnishd,
// which share the machine's cores with the origin.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ask,
  cpuSeconds,
  cpuSplit,
  expectExits,
  forkModule,
  freePort,
  getText,
  loadAverage,
  processTree,
  rssBytes,
  serverDir,
  sleep,
  startPublisher,
  stopProcess,
  type Child,
} from './bench-processes.js';
import { DelayHistogram, type OriginReport, type ViewerReport } from './load-protocol.js';
import { startEdge, type Edge } from '../src/index.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'direct,edge' },
    viewers: { type: 'string', default: '100,250,500,1000,1500,2000,2500' },
    'edge-viewers': { type: 'string', default: '100,250,500,1000,1500,2000' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    processes: { type: 'string', default: '2' },
    stalled: { type: 'string', default: '0' },
    height: { type: 'string', default: '720' },
    bitrate: { type: 'string', default: '2500k' },
    'limit-ms': { type: 'string', default: '50' },
    'stop-ms': { type: 'string', default: '1000' },
    out: { type: 'string' },
  },
});
const positiveList = (text: string, flag: string): number[] => {
  const list = text.split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${flag}: expected positive integers separated by commas, got ${text}`);
  return list.sort((a, b) => a - b);
};
const modes = values.mode.split(',');
if (modes.some((m) => m !== 'direct' && m !== 'edge')) throw new Error(`--mode: expected direct, edge or both (direct,edge), got ${values.mode}`);
const steps = { direct: positiveList(values.viewers, '--viewers'), edge: positiveList(values['edge-viewers'], '--edge-viewers') };
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const processCount = Number(values.processes);
const stalled = Number(values.stalled);
const height = Number(values.height);
const limitMs = Number(values['limit-ms']);
const stopMs = Number(values['stop-ms']);
if (!(seconds > 0) || !(warmup >= 0)) throw new Error('--seconds must be positive and --warmup not negative');
if (!Number.isInteger(processCount) || processCount < 1) throw new Error(`--processes: expected a positive integer, got ${values.processes}`);
if (!Number.isInteger(stalled) || stalled < 0) throw new Error(`--stalled: expected an integer >= 0, got ${values.stalled}`);
if (![240, 360, 480, 720, 1080].includes(height)) throw new Error(`--height: expected 240, 360, 480, 720 or 1080, got ${values.height}`);

const STREAM = 'bench';
const MiB = 2 ** 20;

interface Row {
  mode: 'direct' | 'edge';
  viewers: number;
  stalled: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  chunks: number;
  missed: number;
  /** Chunk deliveries not counted because the chunk was at the origin before the viewer asked for its segment: viewers behind live. */
  behind: number;
  failures: number;
  failureReasons: Record<string, number>;
  originCores: number;
  /** Share of the origin's CPU spent in the kernel (stime): socket writes, TCP. */
  originKernelShare: number;
  originRssMiB: number;
  originRssAboveIdleMiB: number;
  requestsPerSegment: { mean: number; max: number; segments: number };
  manifestRequests: number;
  bytesPerSecond: number;
  viewerCores: number;
  ffmpegCores: number;
  edgeCores: number;
  load: string;
  held: boolean;
}

const rows: Row[] = [];
const children: Child[] = [];
let edge: Edge | undefined;

async function shutdown(): Promise<void> {
  expectExits();
  for (const child of children.reverse()) {
    if (child.child.connected) child.child.send({ type: 'stop' });
    await stopProcess(child);
  }
  await edge?.stop();
}
process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));

try {
  const port = await freePort();
  const originUrl = `http://127.0.0.1:${port}`;
  const origin = await forkModule('load-origin.ts', [String(port)], 'origin');
  children.push(origin);
  const originPid = origin.child.pid!;
  const ffmpeg = startPublisher(originUrl, STREAM, height, values.bitrate);
  children.push(ffmpeg);
  {
    const deadline = Date.now() + 30_000;
    while ((await getText(`${originUrl}/live/${STREAM}/manifest.mpd`)).status !== 200) {
      if (Date.now() > deadline || process.exitCode === 1) throw new Error(`no manifest at ${originUrl}/live/${STREAM}/manifest.mpd after 30 s`);
      await sleep(250);
    }
  }
  // The origin's RSS with the stream's window filled, before any viewer.
  await sleep(6000);
  const idleRss = rssBytes(originPid);
  console.log(
    `origin pid ${originPid} at ${originUrl}; ffmpeg testsrc2 ${height}p30 ${values.bitrate} libx264 veryfast, 1 rendition; ` +
      `origin RSS before viewers ${(idleRss / MiB).toFixed(0)} MiB; ${processCount} viewer process(es); warm-up ${warmup} s, measured ${seconds} s per step; ${cpus().length} cores; load ${loadAverage()}`,
  );

  for (const mode of modes as Array<'direct' | 'edge'>) {
    let baseUrl = originUrl;
    if (mode === 'edge') {
      // Each streaming client holds a Varnish worker thread: start enough of them (2 pools) at once.
      const threads = Math.max(100, Math.ceil((steps.edge.at(-1)! + 50) / 2));
      edge = await startEdge({
        origin: originUrl,
        port: await freePort(),
        storage: 'malloc,512m',
        params: { thread_pool_min: String(threads), thread_pool_max: String(Math.max(5000, threads * 2)), thread_pool_add_delay: '0' },
      });
      baseUrl = edge.url;
      console.log(`\nedge: varnishd (server/edge/llstream.vcl, startEdge) at ${edge.url}`);
    }
    const viewerProcesses: Child[] = [];
    for (let index = 0; index < processCount; index++) {
      const child = await forkModule('load-viewers.ts', [], `viewers ${index + 1}`);
      viewerProcesses.push(child);
      children.push(child);
    }
    let current = 0;
    if (stalled > 0) {
      await ask(viewerProcesses[0]!.child, { type: 'add', count: stalled, baseUrl, streamPath: `/live/${STREAM}`, stall: true }, 'added');
    }
    for (const target of steps[mode]) {
      const add = target - current;
      const spreadMs = Math.min(3000, add * 2);
      await Promise.all(
        viewerProcesses.map((child, index) => {
          const count = Math.floor(add / processCount) + (index < add % processCount ? 1 : 0);
          return ask(child.child, { type: 'add', count, baseUrl, streamPath: `/live/${STREAM}`, spreadMs }, 'added');
        }),
      );
      current = target;
      await sleep(spreadMs + warmup * 1000);

      const viewerPids = viewerProcesses.map((child) => child.child.pid!);
      const edgePids = edge === undefined ? [] : processTree(edge.pid);
      const originBefore = cpuSplit([originPid]);
      const before = {
        origin: cpuSeconds([originPid]),
        ffmpeg: cpuSeconds([ffmpeg.child.pid!]),
        viewers: cpuSeconds(viewerPids),
        edge: cpuSeconds(edgePids),
      };
      await ask(origin.child, { type: 'collect' }, 'report');
      await Promise.all(viewerProcesses.map((child) => ask(child.child, { type: 'record', on: true }, 'recording')));
      const startedAt = performance.now();
      let maxRss = rssBytes(originPid);
      for (let elapsed = 0; elapsed < seconds; elapsed++) {
        await sleep(1000);
        maxRss = Math.max(maxRss, rssBytes(originPid));
      }
      await Promise.all(viewerProcesses.map((child) => ask(child.child, { type: 'record', on: false }, 'recording')));
      const wall = (performance.now() - startedAt) / 1000;
      const { report: originReport } = await ask<{ report: OriginReport }>(origin.child, { type: 'collect' }, 'report');
      const originAfter = cpuSplit([originPid]);
      const after = {
        origin: cpuSeconds([originPid]),
        ffmpeg: cpuSeconds([ffmpeg.child.pid!]),
        viewers: cpuSeconds(viewerPids),
        edge: cpuSeconds(edgePids),
      };
      const load = loadAverage();
      // Let the segments in progress finish, so every recorded response is whole.
      await sleep(1500);
      const mediaChunks = originReport.chunks.filter((chunk) => chunk.segment.startsWith('seg-'));
      const reports = await Promise.all(
        viewerProcesses.map((child) => ask<{ report: ViewerReport }>(child.child, { type: 'collect', chunks: mediaChunks }, 'report', 120_000)),
      );
      const histogram = new DelayHistogram();
      let missed = 0;
      let behind = 0;
      let stalledCuts = 0;
      let failures = 0;
      let bytes = 0;
      const failureReasons: Record<string, number> = {};
      for (const { report } of reports) {
        histogram.merge(report.histogram);
        missed += report.missed;
        behind += report.notFollowing;
        stalledCuts += report.stalledCuts;
        failures += report.failures;
        bytes += report.bytes;
        for (const [reason, count] of Object.entries(report.failureReasons)) failureReasons[reason] = (failureReasons[reason] ?? 0) + count;
      }
      // Requests per segment: segments whose whole upload fell in the window (first and last chunk seen).
      const segmentNames = [...new Set(mediaChunks.map((chunk) => chunk.segment))].slice(1, -1);
      const perSegment = segmentNames.map((name) => originReport.readers[name] ?? 0);
      const requestsPerSegment = {
        mean: perSegment.reduce((sum, n) => sum + n, 0) / Math.max(1, perSegment.length),
        max: Math.max(0, ...perSegment),
        segments: perSegment.length,
      };
      const row: Row = {
        mode,
        viewers: target,
        stalled,
        seconds: wall,
        p50: histogram.percentile(50),
        p99: histogram.percentile(99),
        max: histogram.max,
        chunks: histogram.count,
        missed,
        behind,
        failures,
        failureReasons,
        originCores: (after.origin - before.origin) / wall,
        originKernelShare: (originAfter.system - originBefore.system) / Math.max(1e-9, after.origin - before.origin),
        originRssMiB: maxRss / MiB,
        originRssAboveIdleMiB: (maxRss - idleRss) / MiB,
        requestsPerSegment,
        manifestRequests: originReport.manifests,
        bytesPerSecond: bytes / wall,
        viewerCores: (after.viewers - before.viewers) / wall,
        ffmpegCores: (after.ffmpeg - before.ffmpeg) / wall,
        edgeCores: (after.edge - before.edge) / wall,
        load,
        // Held: p99 under the limit, nothing missed or failed, and the viewers at the live edge (at most 5 % of deliveries were backlog).
        held: histogram.count > 0 && histogram.percentile(99) < limitMs && missed === 0 && failures === 0 && behind <= 0.05 * (behind + histogram.count),
      };
      rows.push(row);
      console.log(
        `${mode} ${target} viewers${stalled > 0 ? ` (+${stalled} stalled)` : ''}: delay p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, ` +
          `max ${row.max.toFixed(1)} ms over ${row.chunks} chunk deliveries (${missed} missed, ${behind} not counted: asked after the chunk arrived, ${failures} failed responses` +
          `${failures > 0 ? `: ${JSON.stringify(failureReasons)}` : ''}${stalled > 0 ? `; ${stalledCuts} stalled connections cut off by the origin` : ''}); origin ${row.originCores.toFixed(2)} cores (${(row.originKernelShare * 100).toFixed(0)} % in the kernel), RSS ${row.originRssMiB.toFixed(0)} MiB; ` +
          `origin requests per segment ${requestsPerSegment.mean.toFixed(2)} (max ${requestsPerSegment.max}, ${requestsPerSegment.segments} segments); ` +
          `${((row.bytesPerSecond * 8) / 1e6).toFixed(0)} Mb/s delivered; viewers ${row.viewerCores.toFixed(2)} cores, ffmpeg ${row.ffmpegCores.toFixed(2)}, ` +
          `edge ${row.edgeCores.toFixed(2)}; load ${load}${row.held ? '' : ' -- NOT held'}`,
      );
      if (histogram.count === 0 || row.p99 > stopMs) {
        console.log(`${mode}: p99 above ${stopMs} ms (or nothing delivered): the ramp stops here`);
        break;
      }
    }
    for (const child of viewerProcesses) {
      child.child.send({ type: 'stop' });
      await stopProcess(child);
      children.splice(children.indexOf(child), 1);
    }
    await edge?.stop();
    edge = undefined;
    await sleep(2000);
  }

  const f = (n: number, digits = 1): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
  const table = [
    '| path | viewers | delay p50 / p99 / max (ms) | held (p99 < ' + limitMs + ' ms, none missed, at live edge) | deliveries counted / behind live | origin CPU (cores) | per 100 viewers | origin RSS (MiB) | RSS above idle per 100 viewers | origin requests per segment | delivered | viewer processes CPU | ffmpeg CPU | Varnish CPU |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.mode}${r.stalled > 0 ? ` (+${r.stalled} stalled)` : ''} | ${r.viewers} | ${f(r.p50, 2)} / ${f(r.p99, 2)} / ${f(r.max)} | ${r.held ? 'yes' : `no${r.missed + r.failures > 0 ? ` (${r.missed} missed, ${r.failures} failed)` : ''}`} | ${r.chunks} / ${r.behind} | ` +
        `${f(r.originCores, 2)} | ${f((r.originCores * 100) / r.viewers, 3)} | ${f(r.originRssMiB, 0)} | ${f((r.originRssAboveIdleMiB * 100) / r.viewers, 2)} | ` +
        `${f(r.requestsPerSegment.mean, 2)} (max ${r.requestsPerSegment.max}) | ${f((r.bytesPerSecond * 8) / 1e6, 0)} Mb/s | ${f(r.viewerCores, 2)} | ${f(r.ffmpegCores, 2)} | ${r.mode === 'edge' ? f(r.edgeCores, 2) : ''} |`,
    ),
  ].join('\n');
  const held = (mode: string): string => {
    const best = rows.filter((r) => r.mode === mode && r.held).at(-1);
    return best === undefined ? 'none of the steps' : String(best.viewers);
  };
  const summary = modes.map((mode) => `${mode}: largest viewer count held with delivery delay p99 < ${limitMs} ms: ${held(mode)}`).join('\n');
  console.log(`\n${table}\n\n${summary}`);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  // --out is relative to where npm was run (INIT_CWD), not to server/.
  const out = values.out !== undefined ? resolve(process.env.INIT_CWD ?? process.cwd(), values.out) : join(serverDir, 'bench', 'results', `origin-load-${stamp}`);
  mkdirSync(join(out, '..'), { recursive: true });
  const header =
    `# bench:origin ${new Date().toISOString()}\n\n` +
    `\`npm run bench:origin -- ${process.argv.slice(2).join(' ')}\`; ${cpus().length} cores (${cpus()[0]?.model ?? ''}); ` +
    `ffmpeg testsrc2 ${height}p30 ${values.bitrate}, 1 rendition; ${processCount} viewer process(es); ${seconds} s per step after ${warmup} s warm-up.\n\n`;
  writeFileSync(`${out}.md`, `${header}${table}\n\n${summary}\n`);
  writeFileSync(`${out}.json`, `${JSON.stringify({ argv: process.argv.slice(2), height, bitrate: values.bitrate, rows }, null, 2)}\n`);
  console.log(`\nwritten: ${out}.md, ${out}.json`);
} finally {
  await shutdown();
}
