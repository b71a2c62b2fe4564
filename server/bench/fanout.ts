// Chunk fan-out benchmark: how long the origin takes to hand each CMAF chunk
// to every reader following a live segment, with 1 and with many readers.
//
//   flock /tmp/bench.lock npm run bench:fanout -- --readers 1,200 --seconds 20
//
// Three processes, so that the readers' CPU is not the origin's:
// - the origin (createOrigin in fanout-origin.ts, open HTTP ingest on
//   loopback, no streams of its own) as a child process;
// - ffmpeg publishing one rendition (testsrc2 720p30, libx264 zerolatency,
//   dash muxer in low-latency mode: one CMAF chunk per frame, PRFT);
// - this process: N readers that behave like a low-latency player (manifest,
//   then each segment of the rendition from the live edge on, the next one
//   requested when the previous ends and held by the origin until it starts,
//   chunks read as they stream).
//
// Reported per reader count, over the measurement window:
// - server side: the origin's llstream_chunk_fanout_delay_seconds histogram
//   (arrival at ingest -> write into the last following reader), p50/p99
//   interpolated in its buckets like PromQL's histogram_quantile;
// - client side: per chunk, the spread of its arrival times across the
//   readers (last reader - first reader), and the delay from the chunk's
//   PRFT (wall clock when libx264 took the chunk's frame) to its arrival at the
//   first and at the last reader: ffmpeg -> origin -> reader, same host clock
//   (it includes the frame ffmpeg waits for before it can close a fragment);
// - origin CPU (utime+stime from /proc, in cores) and RSS, and this
//   process's CPU (if it nears one core, the
//   client-side numbers include the readers' own queueing).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { expandTemplate, FANOUT_DELAY_BUCKETS, prepareManifest } from '../src/index.js';

const { values } = parseArgs({
  options: {
    readers: { type: 'string', default: '1,200' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '4' },
    height: { type: 'string', default: '720' },
    bitrate: { type: 'string', default: '2500k' },
  },
});
const readerCounts = values.readers.split(',').map(Number);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const height = Number(values.height);
if (readerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--readers: expected positive integers separated by commas, got ${values.readers}`);
if (!(seconds > 0) || !(warmup >= 0)) throw new Error('--seconds must be positive and --warmup not negative');
if (![240, 360, 480, 720, 1080].includes(height)) throw new Error(`--height: expected 240, 360, 480, 720 or 1080, got ${values.height}`);

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const STREAM = 'bench';
const CLOCK_TICKS = 100; // USER_HZ on Linux (getconf CLK_TCK)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (data: string) => (body += data));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

// ---------------------------------------------------------------- processes

function startProcess(command: string, args: string[], name: string): { child: ChildProcess; tail: string[] } {
  const child = spawn(command, args, { cwd: serverDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  for (const output of [child.stdout, child.stderr]) {
    output?.on('data', (data: Buffer) => {
      tail.push(...data.toString().split('\n').filter((line) => line !== ''));
      tail.splice(0, Math.max(0, tail.length - 20));
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (code ${String(code)}, signal ${String(signal)}):\n${tail.join('\n')}`);
      process.exitCode = 1;
    }
  });
  return { child, tail };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

let stopping = false;
const port = await freePort();
const originUrl = `http://127.0.0.1:${port}`;
const origin = startProcess(
  process.execPath,
  ['--import', 'tsx', 'bench/fanout-origin.ts', String(port)],
  'origin',
);
{
  const deadline = Date.now() + 20_000;
  while ((await get(`${originUrl}/healthz`).catch(() => ({ status: 0 }))).status !== 200) {
    if (Date.now() > deadline || process.exitCode === 1) throw new Error(`origin not answering at ${originUrl} after 20 s:\n${origin.tail.join('\n')}`);
    await sleep(100);
  }
}
const tag = Date.now().toString(36);
const ffmpeg = startProcess(
  'ffmpeg',
  [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning'],
    ...['-re', '-f', 'lavfi', '-i', `testsrc2=size=${Math.round((height * 16) / 9 / 2) * 2}x${height}:rate=30`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '0', '-pix_fmt', 'yuv420p'],
    ...['-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-b:v', values.bitrate, '-maxrate', values.bitrate, '-bufsize', values.bitrate],
    ...['-f', 'dash', '-ldash', '1', '-streaming', '1', '-frag_type', 'every_frame', '-seg_duration', '1'],
    ...['-write_prft', '1', '-utc_timing_url', `${originUrl}/time`, '-target_latency', '1', '-use_timeline', '0', '-use_template', '1'],
    ...['-window_size', '5', '-extra_window_size', '3', '-adaptation_sets', 'id=0,streams=v'],
    ...['-method', 'PUT', '-http_persistent', '1'],
    ...['-init_seg_name', `init-${tag}-$RepresentationID$.m4s`, '-media_seg_name', `seg-${tag}-$RepresentationID$-$Number%05d$.m4s`],
    `${originUrl}/ingest/${STREAM}/manifest.mpd`,
  ],
  'ffmpeg',
);
const stopAll = async (): Promise<void> => {
  stopping = true;
  await stopProcess(ffmpeg.child);
  await stopProcess(origin.child);
};
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

// ---------------------------------------------------------------- manifest

interface Layout {
  /** Segment file name of number `n`. */
  name(n: number): string;
  /** Number of the segment being uploaded now, by the manifest's clock. */
  liveNumber(): number;
}

async function readLayout(agent?: http.Agent): Promise<Layout | undefined> {
  const { status, body } = await get(`${originUrl}/live/${STREAM}/manifest.mpd`, agent);
  if (status !== 200) return undefined;
  const { representations } = prepareManifest(body).info;
  const video = representations.find((r) => r.media !== undefined);
  const ast = /availabilityStartTime="([^"]+)"/.exec(body)?.[1];
  if (video?.media === undefined || video.segmentDuration === undefined || ast === undefined) return undefined;
  const { media, startNumber, segmentDuration, id, bandwidth } = video;
  const start = Date.parse(ast);
  return {
    name: (number) => {
      const name = expandTemplate(media, { representationId: id, bandwidth, number });
      if (name === undefined) throw new Error(`cannot address segments by number with the template ${media}`);
      return name;
    },
    liveNumber: () => startNumber + Math.floor((Date.now() - start) / 1000 / segmentDuration),
  };
}

// ---------------------------------------------------------------- readers

/** What one reader received of one segment: cumulative byte count and arrival time of every data event. */
interface Received {
  ends: number[];
  times: number[];
  complete: boolean;
}

class Reader {
  readonly segments = new Map<string, Received>();
  recording = false;
  #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #stopped = false;
  #keepBytes: Map<string, Buffer> | undefined;

  /** @param keepBytes where to keep the bytes of each recorded segment (one reader does, for the box boundaries). */
  constructor(keepBytes?: Map<string, Buffer>) {
    this.#keepBytes = keepBytes;
  }

  async run(): Promise<void> {
    let layout: Layout | undefined;
    let number = 0;
    while (!this.#stopped) {
      if (layout === undefined) {
        layout = await readLayout(this.#agent).catch(() => undefined);
        if (layout === undefined) {
          await sleep(200);
          continue;
        }
        number = layout.liveNumber();
      }
      const ok = await this.#fetch(layout.name(number)).catch(() => false);
      if (ok) {
        number += 1;
      } else if (!this.#stopped) {
        // Not there (ahead of the hold rule, behind the window, a new ffmpeg run): re-sync.
        layout = undefined;
        await sleep(100);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#agent.destroy();
  }

  #fetch(name: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const request = http.get(`${originUrl}/live/${STREAM}/${name}`, { agent: this.#agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          resolve(false);
          return;
        }
        const record: Received | undefined = this.recording ? { ends: [], times: [], complete: false } : undefined;
        if (record !== undefined) this.segments.set(name, record);
        const bytes: Buffer[] | undefined = record !== undefined && this.#keepBytes !== undefined ? [] : undefined;
        let received = 0;
        res.on('data', (data: Buffer) => {
          const at = performance.now();
          received += data.length;
          if (record !== undefined) {
            record.ends.push(received);
            record.times.push(at);
          }
          bytes?.push(data);
        });
        res.on('end', () => {
          if (record !== undefined) record.complete = res.complete;
          if (bytes !== undefined && res.complete) this.#keepBytes!.set(name, Buffer.concat(bytes));
          resolve(true);
        });
        res.on('error', reject);
      });
      request.on('error', reject);
    });
  }
}

// ---------------------------------------------------------------- analysis

interface Chunk {
  /** Byte offset just past the chunk's mdat. */
  end: number;
  /** PRFT wall-clock time of the chunk, epoch ms, if it has one. */
  prft: number | undefined;
}

/** CMAF chunks of a segment: each ends with an mdat; a prft before its moof dates it. */
function chunksOf(segment: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  let prft: number | undefined;
  for (let offset = 0; offset + 8 <= segment.length; ) {
    let size = segment.readUInt32BE(offset);
    const type = segment.toString('latin1', offset + 4, offset + 8);
    if (size === 1) size = Number(segment.readBigUInt64BE(offset + 8));
    else if (size === 0) size = segment.length - offset;
    if (size < 8) break;
    if (type === 'prft') {
      // version(1) flags(3) reference_track_ID(4), then NTP seconds and fraction.
      const seconds = segment.readUInt32BE(offset + 16);
      const fraction = segment.readUInt32BE(offset + 20);
      prft = (seconds - 2_208_988_800) * 1000 + (fraction / 2 ** 32) * 1000;
    } else if (type === 'mdat') {
      chunks.push({ end: offset + size, prft });
      prft = undefined;
    }
    offset += size;
  }
  return chunks;
}

/** Time the byte at `end - 1` arrived. */
function arrival(received: Received, end: number): number | undefined {
  let low = 0;
  let high = received.ends.length - 1;
  if (high < 0 || received.ends[high]! < end) return undefined;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (received.ends[middle]! >= end) high = middle;
    else low = middle + 1;
  }
  return received.times[low];
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Cumulative bucket counts of the fan-out histogram for the stream, by upper bound (Infinity last). */
function histogram(text: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const row of text.split('\n')) {
    if (!row.startsWith('llstream_chunk_fanout_delay_seconds_bucket{') || !row.includes(`stream="${STREAM}"`)) continue;
    const le = /le="([^"]+)"/.exec(row)?.[1];
    const value = Number(row.slice(row.lastIndexOf(' ') + 1));
    if (le !== undefined) buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), value);
  }
  return buckets;
}

/** PromQL histogram_quantile over the difference of two scrapes. */
function histogramQuantile(q: number, before: Map<number, number>, after: Map<number, number>): { value: number; count: number } {
  const bounds = [...FANOUT_DELAY_BUCKETS, Number.POSITIVE_INFINITY];
  const cumulative = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const count = cumulative.at(-1)!;
  const rank = q * count;
  for (let index = 0; index < bounds.length; index++) {
    if (cumulative[index]! >= rank) {
      if (bounds[index] === Number.POSITIVE_INFINITY) return { value: FANOUT_DELAY_BUCKETS.at(-1)!, count };
      const lower = index === 0 ? 0 : bounds[index - 1]!;
      const below = index === 0 ? 0 : cumulative[index - 1]!;
      const inBucket = cumulative[index]! - below;
      return { value: lower + (bounds[index]! - lower) * (inBucket === 0 ? 1 : (rank - below) / inBucket), count };
    }
  }
  return { value: Number.NaN, count };
}

/** utime + stime of a process, seconds, and its resident set, bytes. */
function processUsage(pid: number): { cpu: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesized command name; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
  return { cpu, rss };
}

// ---------------------------------------------------------------- run

const ms = (seconds: number): string => `${(seconds * 1000).toFixed(2)} ms`;
const pct = (value: number): string => (Number.isNaN(value) ? 'n/a' : `${value.toFixed(2)} ms`);

try {
  const deadline = Date.now() + 30_000;
  while ((await readLayout().catch(() => undefined)) === undefined) {
    if (Date.now() > deadline || process.exitCode === 1) throw new Error(`no manifest at ${originUrl}/live/${STREAM}/manifest.mpd after 30 s (see above)`);
    await sleep(250);
  }
  const originPid = origin.child.pid!;
  console.log(
    `origin pid ${originPid} at ${originUrl}; ffmpeg testsrc2 ${height}p30 ${values.bitrate} libx264, 1 rendition; ` +
      `warm-up ${warmup} s, measured ${seconds} s per reader count`,
  );
  const rows: string[] = [];
  for (const count of readerCounts) {
    const keepBytes = new Map<string, Buffer>();
    const readers = Array.from({ length: count }, (_, index) => new Reader(index === 0 ? keepBytes : undefined));
    const running = readers.map((reader) => reader.run());
    await sleep(warmup * 1000);

    const scrapeBefore = (await get(`${originUrl}/metrics`)).body;
    const usageBefore = processUsage(originPid);
    const clientBefore = process.cpuUsage();
    const clientLag = monitorEventLoopDelay({ resolution: 1 });
    clientLag.enable();
    const startedAt = performance.now();
    for (const reader of readers) reader.recording = true;
    let maxRss = usageBefore.rss;
    for (let elapsed = 0; elapsed < seconds; elapsed++) {
      await sleep(1000);
      maxRss = Math.max(maxRss, processUsage(originPid).rss);
    }
    const wall = (performance.now() - startedAt) / 1000;
    const scrapeAfter = (await get(`${originUrl}/metrics`)).body;
    const usageAfter = processUsage(originPid);
    const client = process.cpuUsage(clientBefore);
    clientLag.disable();
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    for (const reader of readers) reader.recording = false;
    // Let the segments in progress finish, so every recorded one is whole.
    await sleep(1500);
    for (const reader of readers) reader.stop();
    await Promise.allSettled(running);

    const serverP50 = histogramQuantile(0.5, histogram(scrapeBefore), histogram(scrapeAfter));
    const serverP99 = histogramQuantile(0.99, histogram(scrapeBefore), histogram(scrapeAfter));
    const spreads: number[] = [];
    const firstDelays: number[] = [];
    const lastDelays: number[] = [];
    let chunkCount = 0;
    for (const [name, bytes] of keepBytes) {
      for (const chunk of chunksOf(bytes)) {
        const times: number[] = [];
        for (const reader of readers) {
          const received = reader.segments.get(name);
          const at = received?.complete === true ? arrival(received, chunk.end) : undefined;
          if (at !== undefined) times.push(at);
        }
        // Only chunks every reader received.
        if (times.length !== count) continue;
        chunkCount += 1;
        const first = Math.min(...times);
        const last = Math.max(...times);
        if (count > 1) spreads.push(last - first);
        if (chunk.prft !== undefined) {
          firstDelays.push(performance.timeOrigin + first - chunk.prft);
          lastDelays.push(performance.timeOrigin + last - chunk.prft);
        }
      }
    }
    for (const list of [spreads, firstDelays, lastDelays]) list.sort((a, b) => a - b);
    const originCores = (usageAfter.cpu - usageBefore.cpu) / wall;
    const clientCores = (client.user + client.system) / 1e6 / wall;

    console.log(`\n${count} reader(s), ${wall.toFixed(1)} s:`);
    console.log(`  server fan-out delay (histogram, ${serverP50.count} chunks): p50 ${ms(serverP50.value)}, p99 ${ms(serverP99.value)}`);
    console.log(
      `  client, ${chunkCount} chunks received by all readers: spread last-first p50 ${pct(percentile(spreads, 50))}, p99 ${pct(percentile(spreads, 99))}`,
    );
    console.log(
      `  PRFT -> first reader p50 ${pct(percentile(firstDelays, 50))}, p99 ${pct(percentile(firstDelays, 99))}; ` +
        `PRFT -> last reader p50 ${pct(percentile(lastDelays, 50))}, p99 ${pct(percentile(lastDelays, 99))} (${firstDelays.length} chunks with PRFT)`,
    );
    console.log(
      `  origin CPU ${(originCores * 100).toFixed(1)} % of a core, RSS max ${(maxRss / 2 ** 20).toFixed(0)} MiB, ` +
        `reader process CPU ${(clientCores * 100).toFixed(1)} %, its event-loop delay p99 ${ms(clientLag.percentile(99) / 1e9)}, ` +
        `max ${ms(clientLag.max / 1e9)}; load average ${load}`,
    );
    rows.push(
      `| ${count} | ${ms(serverP50.value)} | ${ms(serverP99.value)} | ${pct(percentile(spreads, 50))} / ${pct(percentile(spreads, 99))} | ` +
        `${pct(percentile(firstDelays, 50))} / ${pct(percentile(lastDelays, 99))} | ${(originCores * 100).toFixed(0)} % | ${(maxRss / 2 ** 20).toFixed(0)} MiB | ${(clientCores * 100).toFixed(0)} % |`,
    );
    await sleep(1000);
  }
  console.log('\n| readers | fan-out p50 (server) | fan-out p99 (server) | spread p50 / p99 (client) | PRFT->first p50 / PRFT->last p99 | origin CPU | origin RSS | reader CPU |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await stopAll();
}
