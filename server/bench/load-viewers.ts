// A process of simulated viewers for bench:origin and bench:soak, forked by
// them with an IPC channel (node --import tsx bench/load-viewers.ts). Each
// viewer behaves like the low-latency player on one rendition: it fetches
// the manifest and the rendition's init segment, then requests the segment
// being uploaded now and, the moment a segment ends, the next number (the
// origin, or an edge in front of it, holds that request until the upload
// starts), reading every chunk as it streams. One undici Client per viewer:
// one keep-alive TCP connection each, as separate players would have.
//
// With recording on, each viewer notes per segment response when it sent the
// request and, per data event, the cumulative byte count and the arrival
// time on the machine's monotonic clock (CLOCK_MONOTONIC through
// process.hrtime, the same clock in every process on the host). On
// `collect`, the parent passes the origin's arrival time of every chunk
// (segment, end offset, monotonic time: see load-origin.ts) and this process
// answers with a histogram of delivery delays: arrival at the viewer of a
// chunk's last byte minus its arrival at the origin.
import { connect, type Socket } from 'node:net';
import { Client } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { expandTemplate, prepareManifest } from '../src/index.js';
import { DelayHistogram, monotonicNow, type ChunkArrival, type ViewerCommand, type ViewerReport } from './load-protocol.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Layout {
  init: string | undefined;
  name(number: number): string;
  liveNumber(): number;
}

/** What a viewer received of one segment response while recording. */
interface Received {
  requestedAt: number;
  ends: number[];
  times: number[];
  complete: boolean;
}

let recording = false;
let stopping = false;
const viewers = new Set<Viewer>();
/** Stats of the current recording window. */
let windowBytes = 0;
let responses = 0;
let failures = 0;
let resyncs = 0;
/** Connections of stalled viewers that ended (cut off by the origin). */
let stalledCuts = 0;
const failureReasons = new Map<string, number>();

function noteFailure(reason: string): void {
  failures += 1;
  failureReasons.set(reason, (failureReasons.get(reason) ?? 0) + 1);
}

function parseLayout(body: string, representation: string | undefined): Layout | undefined {
  const { representations } = prepareManifest(body).info;
  const candidates = representations.filter((r) => r.media !== undefined && r.segmentDuration !== undefined);
  const chosen = representation === undefined ? candidates[0] : candidates.find((r) => r.id === representation);
  const ast = /availabilityStartTime="([^"]+)"/.exec(body)?.[1];
  if (chosen?.media === undefined || chosen.segmentDuration === undefined || ast === undefined) return undefined;
  const { media, startNumber, segmentDuration, id, bandwidth, initialization } = chosen;
  const start = Date.parse(ast);
  const expand = (template: string, number?: number): string => {
    const name = expandTemplate(template, { representationId: id, bandwidth, number: number ?? 0 });
    if (name === undefined) throw new Error(`cannot address segments by number with the template ${template}`);
    return name;
  };
  return {
    init: initialization === undefined ? undefined : expand(initialization),
    name: (number) => expand(media, number),
    liveNumber: () => startNumber + Math.floor((Date.now() - start) / 1000 / segmentDuration),
  };
}

/** One GET on the viewer's connection. */
function fetchOnce(
  client: Client,
  path: string,
  onData: ((chunk: Buffer) => void) | undefined,
  stall = false,
): Promise<{ status: number; body: string; complete: boolean }> {
  return new Promise((resolve) => {
    let status = 0;
    let body = '';
    let text = false;
    client.dispatch(
      { method: 'GET', path, headers: { 'accept-encoding': 'identity' } },
      {
        onConnect() {},
        onHeaders(statusCode: number, _headers: Buffer[] | IncomingHttpHeaders | null, _resume: () => void) {
          status = statusCode;
          text = path.endsWith('.mpd') || statusCode !== 200;
          // A stalled viewer never takes a byte of the body.
          return !stall;
        },
        onData(chunk: Buffer) {
          if (text) body += chunk.toString('utf8');
          else onData?.(chunk);
          return true;
        },
        onComplete() {
          resolve({ status, body, complete: true });
        },
        onError(error: Error) {
          resolve({ status, body: error.message, complete: false });
        },
      },
    );
  });
}

class Viewer {
  readonly segments = new Map<string, Received>();
  #client: Client;
  #socket: Socket | undefined;
  #stopped = false;

  constructor(
    readonly baseUrl: string,
    readonly streamPath: string,
    readonly representation: string | undefined,
    readonly stall: boolean,
  ) {
    this.#client = new Client(baseUrl, { pipelining: 1, keepAliveTimeout: 60_000, bodyTimeout: 0, headersTimeout: 0 });
  }

  async run(): Promise<void> {
    if (this.stall) return this.#runStalled();
    let layout: Layout | undefined;
    let number = 0;
    let retries = 0;
    while (!this.#stopped && !stopping) {
      if (layout === undefined) {
        const manifest = await fetchOnce(this.#client, `${this.streamPath}/manifest.mpd`, undefined);
        layout = manifest.status === 200 ? parseLayout(manifest.body, this.representation) : undefined;
        if (layout === undefined) {
          await sleep(250);
          continue;
        }
        if (layout.init !== undefined) await fetchOnce(this.#client, `${this.streamPath}/${layout.init}`, () => {});
        // The segment before the one the clock says is uploading: it exists
        // even when the encoder runs a little behind the manifest's clock.
        number = layout.liveNumber() - 1;
        retries = 0;
      }
      const name = layout.name(number);
      const record: Received | undefined = recording ? { requestedAt: monotonicNow(), ends: [], times: [], complete: false } : undefined;
      let received = 0;
      const result = await fetchOnce(
        this.#client,
        `${this.streamPath}/${name}`,
        (chunk) => {
          received += chunk.length;
          if (recording) windowBytes += chunk.length;
          if (record !== undefined) {
            record.ends.push(received);
            record.times.push(monotonicNow());
          }
        },
        this.stall,
      );
      if (result.status === 200 && result.complete) {
        if (record !== undefined) {
          record.complete = true;
          this.segments.set(name, record);
          responses += 1;
        }
        number += 1;
        retries = 0;
      } else if (!this.#stopped && !stopping) {
        if (recording) {
          noteFailure(result.status === 200 ? `cut: ${result.body}` : `status ${result.status}`);
          if (record !== undefined) this.segments.set(name, record);
        }
        if (result.status === 404 && retries < 3) {
          // The next segment did not start within the hold time (the encoder lags): ask again.
          retries += 1;
        } else {
          // Behind the window, a new publisher run, cut off: re-sync from the manifest.
          resyncs += 1;
          layout = undefined;
        }
        await sleep(100);
      }
    }
  }

  /**
   * A viewer that never reads: on its own connection it asks for the live
   * segment, then for the next one each segment duration, pipelined on the
   * same connection (as if its player went on while its network died), and
   * reads nothing. The origin fills the kernel's socket buffers (several MiB
   * on loopback), then its own, then blocks on it; when the origin cuts it
   * off, it connects again and starts over.
   */
  async #runStalled(): Promise<void> {
    const { hostname, port } = new URL(this.baseUrl);
    while (!this.#stopped && !stopping) {
      const manifest = await fetchOnce(this.#client, `${this.streamPath}/manifest.mpd`, undefined);
      const layout = manifest.status === 200 ? parseLayout(manifest.body, this.representation) : undefined;
      if (layout === undefined) {
        await sleep(250);
        continue;
      }
      const socket = connect(Number(port), hostname);
      socket.pause();
      this.#socket = socket;
      let number = layout.liveNumber();
      const ask = (): void => {
        if (!socket.destroyed) socket.write(`GET ${this.streamPath}/${layout.name(number++)} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      };
      ask();
      const timer = setInterval(ask, 1000);
      await new Promise((resolve) => socket.once('close', resolve).once('error', () => undefined));
      clearInterval(timer);
      stalledCuts += 1;
    }
  }

  stop(): void {
    this.#socket?.destroy();
    this.#stopped = true;
    void this.#client.destroy().catch(() => undefined);
  }
}

/** The time a viewer had received byte `end - 1`. */
function arrival(received: Received, end: number): number | undefined {
  const { ends } = received;
  let low = 0;
  let high = ends.length - 1;
  if (high < 0 || ends[high]! < end) return undefined;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (ends[middle]! >= end) high = middle;
    else low = middle + 1;
  }
  return received.times[low];
}

function collect(chunks: readonly ChunkArrival[]): ViewerReport {
  const histogram = new DelayHistogram();
  let missed = 0;
  let notFollowing = 0;
  const bySegment = new Map<string, ChunkArrival[]>();
  for (const chunk of chunks) {
    let list = bySegment.get(chunk.segment);
    if (list === undefined) bySegment.set(chunk.segment, (list = []));
    list.push(chunk);
  }
  for (const viewer of viewers) {
    if (viewer.stall) continue;
    for (const [name, received] of viewer.segments) {
      for (const chunk of bySegment.get(name) ?? []) {
        // Like the origin's fan-out metric: only chunks that arrived after the viewer asked.
        if (chunk.at < received.requestedAt) {
          notFollowing += 1;
          continue;
        }
        const at = arrival(received, chunk.end);
        if (at === undefined) missed += 1;
        else histogram.add(at - chunk.at);
      }
    }
    viewer.segments.clear();
  }
  const report: ViewerReport = {
    histogram: histogram.toJSON(),
    missed,
    notFollowing,
    bytes: windowBytes,
    responses,
    failures,
    failureReasons: Object.fromEntries(failureReasons),
    resyncs,
    viewers: [...viewers].filter((v) => !v.stall).length,
    stalledCuts,
  };
  stalledCuts = 0;
  windowBytes = 0;
  responses = 0;
  failures = 0;
  resyncs = 0;
  failureReasons.clear();
  return report;
}

process.on('message', (message: ViewerCommand) => {
  switch (message.type) {
    case 'add':
      for (let index = 0; index < message.count; index++) {
        const viewer = new Viewer(message.baseUrl, message.streamPath, message.representations?.[index % message.representations.length], message.stall === true);
        viewers.add(viewer);
        // Spread the starts over `spread` ms, as viewers do not all arrive in the same instant.
        setTimeout(() => void viewer.run().catch((error: unknown) => noteFailure(String(error))), (index / message.count) * (message.spreadMs ?? 0));
      }
      process.send!({ type: 'added', viewers: viewers.size });
      break;
    case 'record':
      recording = message.on;
      if (message.on) {
        windowBytes = 0;
        responses = 0;
        failures = 0;
        resyncs = 0;
        stalledCuts = 0;
        failureReasons.clear();
        for (const viewer of viewers) viewer.segments.clear();
      }
      process.send!({ type: 'recording', on: recording });
      break;
    case 'collect':
      process.send!({ type: 'report', report: collect(message.chunks) });
      break;
    case 'stop':
      stopping = true;
      for (const viewer of viewers) viewer.stop();
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
process.send!({ type: 'ready' });
