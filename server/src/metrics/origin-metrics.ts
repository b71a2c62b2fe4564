import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LiveStreamStats } from '../store/live-stream.js';
import type { HeldRequestOutcome, StoreObserver, StreamObserver } from '../store/store-observer.js';

/** Lifecycle state of a stream as its manager reports it. */
export type StreamStateName = 'starting' | 'live' | 'offline' | 'error';

/**
 * What a playback 404 was about: `stream` (no such stream), `manifest` (the
 * stream has no such manifest), `segment` (no such segment, or a held
 * request whose upload did not start in time).
 */
export type NotFoundKind = 'stream' | 'manifest' | 'segment';

/** Options of {@link OriginMetrics}. */
export interface OriginMetricsOptions {
  /**
   * Also expose prom-client's default process and Node.js metrics
   * (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
   * `nodejs_eventloop_lag_seconds`, ...). They describe the process, so
   * every OriginMetrics in a process shares one set.
   * @defaultValue true
   */
  defaultMetrics?: boolean;
}

/**
 * Upper bounds of the fan-out delay histogram, seconds. With few readers
 * the last write follows the arrival within tens of microseconds (the
 * chunk is written in the same tick); hundreds of readers or a slow one push
 * it to milliseconds; 0.5 s is a third of a 1.5 s target latency.
 */
export const FANOUT_DELAY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5];

const STREAM_STATES: readonly StreamStateName[] = ['starting', 'live', 'offline', 'error'];
const HELD_OUTCOMES: readonly HeldRequestOutcome[] = ['served', 'timeout', 'cancelled'];

let processRegistry: Registry | undefined;

/** The process-wide default metrics, collected once (each collection starts its own GC and event-loop observers). */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Something whose streams the open-reader and held-request gauges are read from at scrape time. */
export interface StreamStatsSource {
  stats(): LiveStreamStats[];
}

/**
 * The origin's Prometheus metrics, in a registry of their own (never
 * prom-client's global one), served by `GET /metrics`:
 *
 * | Metric | Type | Labels |
 * |---|---|---|
 * | `llstream_ingest_bytes_total` | counter | stream, rendition |
 * | `llstream_ingest_chunks_total` | counter | stream, rendition |
 * | `llstream_chunk_fanout_delay_seconds` | histogram | stream |
 * | `llstream_open_readers` | gauge | stream |
 * | `llstream_held_requests` | gauge | stream |
 * | `llstream_held_request_outcomes_total` | counter | stream, outcome |
 * | `llstream_playback_not_found_total` | counter | kind |
 * | `llstream_ffmpeg_restarts_total` | counter | stream |
 * | `llstream_ffmpeg_speed_ratio` | gauge | stream |
 * | `llstream_stream_state` | gauge (1 for the current state) | stream, state |
 *
 * `rendition` is the Representation@id the stream's manifest gives the
 * segment's file name (init segments included), `unknown` if none does.
 * Label values come only from streams that exist and representations their
 * manifests declare: the 404 counter carries no stream name, since anyone
 * can ask for any name. A stream's store series (ingest, fan-out, readers,
 * held requests) go when the store drops the stream; its lifecycle series
 * (ffmpeg, state) go with {@link OriginMetrics.removeStream}.
 *
 * It is the segment store's {@link StoreObserver}: pass it to the
 * `SegmentStore` constructor and to {@link OriginMetrics.readGaugesFrom}.
 */
export class OriginMetrics implements StoreObserver {
  /** The registry `GET /metrics` serves (with the process metrics, if enabled); register your own metrics here. */
  readonly registry: Registry;

  #ingestBytes: Counter<'stream' | 'rendition'>;
  #ingestChunks: Counter<'stream' | 'rendition'>;
  #fanOutDelay: Histogram<'stream'>;
  #heldOutcomes: Counter<'stream' | 'outcome'>;
  #notFound: Counter<'kind'>;
  #ffmpegRestarts: Counter<'stream'>;
  #ffmpegSpeed: Gauge<'stream'>;
  #streamState: Gauge<'stream' | 'state'>;
  #statsSource: StreamStatsSource | undefined;

  constructor(options: OriginMetricsOptions = {}) {
    const own = new Registry();
    const registers = [own];
    this.#ingestBytes = new Counter({
      name: 'llstream_ingest_bytes_total',
      help: 'Bytes of segments received from publishers, by stream and rendition (Representation@id; init segments included).',
      labelNames: ['stream', 'rendition'],
      registers,
    });
    this.#ingestChunks = new Counter({
      name: 'llstream_ingest_chunks_total',
      help: 'Pieces of segment bodies as they arrived from publishers (about one per CMAF chunk with ffmpeg -ldash), by stream and rendition.',
      labelNames: ['stream', 'rendition'],
      registers,
    });
    this.#fanOutDelay = new Histogram({
      name: 'llstream_chunk_fanout_delay_seconds',
      help: "Per chunk: time from its arrival at ingest to its write into the last of the readers that were following the segment's upload then.",
      labelNames: ['stream'],
      buckets: FANOUT_DELAY_BUCKETS,
      registers,
    });
    const stats = (): LiveStreamStats[] => this.#statsSource?.stats() ?? [];
    new Gauge({
      name: 'llstream_open_readers',
      help: 'Segment responses being sent, by stream.',
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const stream of stats()) this.set({ stream: stream.name }, stream.openReaders);
      },
    });
    new Gauge({
      name: 'llstream_held_requests',
      help: 'Segment requests held until the upload of a segment about to exist starts, by stream.',
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const stream of stats()) this.set({ stream: stream.name }, stream.heldRequests);
      },
    });
    this.#heldOutcomes = new Counter({
      name: 'llstream_held_request_outcomes_total',
      help: 'Held segment requests by outcome: served (upload started in time), timeout (answered 404), cancelled (client left or stream closed).',
      labelNames: ['stream', 'outcome'],
      registers,
    });
    this.#notFound = new Counter({
      name: 'llstream_playback_not_found_total',
      help: 'Playback requests answered 404, by what was missing: stream, manifest or segment.',
      labelNames: ['kind'],
      registers,
    });
    this.#ffmpegRestarts = new Counter({
      name: 'llstream_ffmpeg_restarts_total',
      help: "Restarts of a stream's ffmpeg after it exited.",
      labelNames: ['stream'],
      registers,
    });
    this.#ffmpegSpeed = new Gauge({
      name: 'llstream_ffmpeg_speed_ratio',
      help: 'Encoding speed ffmpeg last reported for a stream, as a multiple of real time (below 1 it falls behind).',
      labelNames: ['stream'],
      registers,
    });
    this.#streamState = new Gauge({
      name: 'llstream_stream_state',
      help: 'Lifecycle state of a stream: 1 for its current state, 0 for the others.',
      labelNames: ['stream', 'state'],
      registers,
    });
    for (const kind of ['stream', 'manifest', 'segment'] as const) this.#notFound.inc({ kind }, 0);
    this.registry = options.defaultMetrics === false ? own : Registry.merge([processMetrics(), own]);
  }

  /** Content type of {@link OriginMetrics.expose}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  expose(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Where the open-reader and held-request gauges are read from at scrape
   * time (the origin's segment store). A later call replaces the source.
   */
  readGaugesFrom(source: StreamStatsSource): void {
    this.#statsSource = source;
  }

  /** {@link StoreObserver}: binds the series of a stream the store created. */
  streamCreated(stream: string): StreamObserver {
    const renditions = new Set<string>();
    const fanOut = this.#fanOutDelay.labels({ stream });
    // A stream's observer outlives its series only by readers still
    // draining after the drop; they must not bring the series back.
    let dropped = false;
    return {
      ingested: (rendition, bytes, chunks) => {
        if (dropped) return;
        renditions.add(rendition);
        this.#ingestBytes.inc({ stream, rendition }, bytes);
        this.#ingestChunks.inc({ stream, rendition }, chunks);
      },
      chunkFannedOut: (delay) => {
        if (!dropped) fanOut.observe(delay);
      },
      heldRequestEnded: (outcome) => {
        if (!dropped) this.#heldOutcomes.inc({ stream, outcome });
      },
      dropped: () => {
        dropped = true;
        this.#removeStoreSeries(stream, renditions);
      },
    };
  }

  /** Counts a playback 404. */
  notFound(kind: NotFoundKind): void {
    this.#notFound.inc({ kind });
  }

  /** Counts a restart of `stream`'s ffmpeg after it exited. */
  ffmpegRestarted(stream: string): void {
    this.#ffmpegRestarts.inc({ stream });
  }

  /**
   * Records the encoding speed ffmpeg reported for `stream` (its `speed=`
   * progress field).
   * @param speed multiple of real time, e.g. 1.02.
   * @throws RangeError if `speed` is negative or not a finite number.
   */
  ffmpegSpeed(stream: string, speed: number): void {
    if (!Number.isFinite(speed) || speed < 0) throw new RangeError(`ffmpeg speed of ${stream} must be a finite number >= 0, got ${speed}`);
    this.#ffmpegSpeed.set({ stream }, speed);
  }

  /** Records `stream`'s lifecycle state. */
  streamState(stream: string, state: StreamStateName): void {
    for (const other of STREAM_STATES) this.#streamState.set({ stream, state: other }, other === state ? 1 : 0);
  }

  /**
   * Forgets `stream`'s lifecycle series (ffmpeg restarts and speed, state):
   * call when the stream is removed for good, so label values stay bounded.
   */
  removeStream(stream: string): void {
    this.#ffmpegRestarts.remove({ stream });
    this.#ffmpegSpeed.remove({ stream });
    for (const state of STREAM_STATES) this.#streamState.remove({ stream, state });
  }

  #removeStoreSeries(stream: string, renditions: Set<string>): void {
    for (const rendition of renditions) {
      this.#ingestBytes.remove({ stream, rendition });
      this.#ingestChunks.remove({ stream, rendition });
    }
    this.#fanOutDelay.remove({ stream });
    for (const outcome of HELD_OUTCOMES) this.#heldOutcomes.remove({ stream, outcome });
  }
}
