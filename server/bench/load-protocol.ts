// Messages and shared helpers of bench:origin / bench:soak and their child
// processes (load-origin.ts, load-viewers.ts).

/** Milliseconds on the host's monotonic clock (CLOCK_MONOTONIC via uv_hrtime), comparable across processes. */
const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
export const monotonicNow = (): number => performance.now() + offset;

/** A chunk's arrival at the origin: its segment, the byte offset just past it, and the monotonic time (ms). */
export interface ChunkArrival {
  segment: string;
  end: number;
  at: number;
}

export type ViewerCommand =
  | {
      type: 'add';
      count: number;
      baseUrl: string;
      /** e.g. `/live/bench` */
      streamPath: string;
      /** Representation@ids to spread the new viewers over; the first media representation when absent. */
      representations?: string[];
      /** Viewers that request the live segment and never read its body. */
      stall?: boolean;
      /** Spread the starts over this many ms. */
      spreadMs?: number;
    }
  | { type: 'record'; on: boolean }
  | { type: 'collect'; chunks: ChunkArrival[] }
  | { type: 'stop' };

export interface ViewerReport {
  histogram: HistogramJSON;
  /** Chunks of a recorded segment response the viewer never got (response cut short). */
  missed: number;
  /** Chunks that arrived at the origin before the viewer asked for their segment (backlog, not counted). */
  notFollowing: number;
  /** Body bytes received in the window. */
  bytes: number;
  /** Complete segment responses in the window. */
  responses: number;
  /** Segment responses that failed (status, cut off) in the window. */
  failures: number;
  failureReasons: Record<string, number>;
  resyncs: number;
  viewers: number;
  /** Connections of stalled viewers that ended (cut off by the origin) in the window. */
  stalledCuts: number;
}

export type OriginCommand = { type: 'collect' } | { type: 'forget' };

export interface OriginReport {
  chunks: ChunkArrival[];
  /** Segment responses the origin started (readers created) per segment name. */
  readers: Record<string, number>;
  /** Manifest GETs since the last collect. */
  manifests: number;
  memory: NodeJS.MemoryUsage;
}

export interface HistogramJSON {
  /** Counts per bucket of {@link BUCKET_MS}; the last bucket counts everything at or above the top. */
  counts: number[];
  max: number;
  count: number;
}

/** Bucket width, ms; buckets cover 0 to 5 s. */
export const BUCKET_MS = 0.05;
const BUCKETS = 100_000;

/** Delivery delays (ms) in fixed 0.05 ms buckets up to 5 s: mergeable across processes, percentiles within 0.05 ms. */
export class DelayHistogram {
  counts = new Uint32Array(BUCKETS + 1);
  max = Number.NEGATIVE_INFINITY;
  count = 0;

  add(ms: number): void {
    const index = Math.min(BUCKETS, Math.max(0, Math.floor(ms / BUCKET_MS)));
    this.counts[index]! += 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  merge(json: HistogramJSON): void {
    for (let index = 0; index < json.counts.length; index += 2) this.counts[json.counts[index]!]! += json.counts[index + 1]!;
    this.count += json.count;
    this.max = Math.max(this.max, json.max);
  }

  /** The p-th percentile (0-100), ms (upper edge of its bucket); NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let index = 0; index <= BUCKETS; index++) {
      seen += this.counts[index]!;
      if (seen >= rank) return index === BUCKETS ? this.max : (index + 1) * BUCKET_MS;
    }
    return this.max;
  }

  /** Sparse form: [bucket, count, bucket, count, ...]. */
  toJSON(): HistogramJSON {
    const counts: number[] = [];
    for (let index = 0; index <= BUCKETS; index++) if (this.counts[index] !== 0) counts.push(index, this.counts[index]!);
    return { counts, max: this.max, count: this.count };
  }
}
