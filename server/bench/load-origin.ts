// The origin process of bench:origin (see origin-load.ts), forked with an IPC
// channel: createOrigin on 127.0.0.1:PORT, no streams of its own, HTTP ingest
// open to any stream name (loopback only, so the benchmark's ffmpeg needs no
// key), plus the benchmark's own instrumentation, kept here and out of the
// product:
// - every chunk's arrival: Segment.prototype.append is wrapped to note the
//   segment, the byte offset just past the chunk and the host's monotonic
//   time (load-protocol.ts) taken before the chunk is appended and fanned
//   out: the origin-side time of a chunk's delivery delay;
// - segment responses per segment (Segment.prototype.feed and createReader:
//   one per GET the origin serves a segment to) and manifest GETs: the origin
//   requests per segment, directly and behind an edge.
//   node --import tsx bench/load-origin.ts PORT [READER_STALL_TIMEOUT_S]
import { createOrigin } from '../src/index.js';
import { Segment } from '../src/store/segment.js';
import { monotonicNow, type ChunkArrival, type OriginCommand, type OriginReport } from './load-protocol.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`expected a port from 1 to 65535, got ${process.argv[2]}`);
const stallTimeout = process.argv[3] === undefined ? undefined : Number(process.argv[3]);

/** Chunks kept when nobody collects (about an hour of one 30 fps rendition). */
const MAX_CHUNKS = 120_000;
let chunks: ChunkArrival[] = [];
let readers = new Map<string, number>();
let manifests = 0;

const append = Segment.prototype.append;
Segment.prototype.append = function (this: Segment, chunk: Buffer): void {
  const at = monotonicNow();
  append.call(this, chunk);
  if (chunk.length === 0) return;
  if (chunks.length >= MAX_CHUNKS) chunks = chunks.slice(MAX_CHUNKS / 2);
  chunks.push({ segment: this.name, end: this.byteLength, at });
};
const createReader = Segment.prototype.createReader;
Segment.prototype.createReader = function (this: Segment, ...args: Parameters<Segment['createReader']>) {
  readers.set(this.name, (readers.get(this.name) ?? 0) + 1);
  return createReader.apply(this, args);
};
const feed = Segment.prototype.feed;
Segment.prototype.feed = function (this: Segment, ...args: Parameters<Segment['feed']>) {
  readers.set(this.name, (readers.get(this.name) ?? 0) + 1);
  return feed.apply(this, args);
};

const origin = createOrigin({
  port,
  host: '127.0.0.1',
  testSource: false,
  rtmp: false,
  srt: false,
  openIngest: true,
  logLevel: 'warn',
  // Every simulated viewer comes from 127.0.0.1: lift the per-client cap on held requests (64 by default).
  limits: { maxHeldRequestsPerClient: 1_000_000, ...(stallTimeout === undefined ? {} : { readerStallTimeout: stallTimeout }) },
});
origin.app.addHook('onRequest', (request, _reply, done) => {
  if (request.method === 'GET' && request.url.startsWith('/live/') && request.url.endsWith('.mpd')) manifests += 1;
  done();
});
await origin.listen();

process.on('message', (message: OriginCommand) => {
  if (message.type === 'collect') {
    const report: OriginReport = { chunks, readers: Object.fromEntries(readers), manifests, memory: process.memoryUsage() };
    process.send!({ type: 'report', report });
  }
  chunks = [];
  readers = new Map();
  manifests = 0;
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void origin.close().then(() => process.exit(0)));
}
process.send!({ type: 'ready' });
