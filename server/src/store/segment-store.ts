import type { PreparedManifest } from '../packaging/manifest.js';
import { LiveStream, type LiveStreamOptions, type LiveStreamStats, type StoreUsage } from './live-stream.js';
import type { Segment } from './segment.js';
import type { StoreObserver } from './store-observer.js';

const MiB = 1024 * 1024;

/** Options of a {@link SegmentStore}. */
export interface SegmentStoreOptions {
  /**
   * How many segment numbers past the newest started one of a representation
   * a request may ask for and be held (instead of answered 404) until that
   * upload starts. Players with availabilityTimeOffset ask for the next
   * segment as soon as the current one starts; a little more absorbs clock
   * skew between player and origin.
   * @defaultValue 3
   */
  holdAhead?: number;
  /**
   * Longest a request is held, in milliseconds.
   * @defaultValue 1.5 segment durations of the stream's latest manifest
   *   (SegmentTemplate@duration / @timescale; 1 s if it states none): one
   *   duration plus the encoder's jitter.
   */
  holdTimeout?: number;
  /**
   * Media segments kept per representation beyond what
   * MPD@timeShiftBufferDepth lets a client address, in segments.
   * @defaultValue 3
   */
  windowMargin?: number;
  /**
   * Upper bound on media segments kept per representation, whatever the
   * manifest says (an MPD without timeShiftBufferDepth allows an unbounded
   * window; memory must not follow).
   * @defaultValue 60
   */
  maxWindowSegments?: number;
  /**
   * Largest accepted segment upload, bytes.
   * @defaultValue 64 MiB
   */
  maxSegmentBytes?: number;
  /**
   * Bytes all segments of one stream may hold, in bytes. An upload that
   * would grow the stream past it is refused (`StoreLimitError`, HTTP 507)
   * and dropped; nothing else of the stream is touched. A 4-rung ladder of
   * 4.5 Mb/s in all holds about 5 MB with its window; 256 MiB leaves room
   * for long time-shift windows (60 one-second segments: ~34 MB) plus a
   * full `maxUnreferencedBytes`, and stops one stream key from taking the
   * machine's memory (issue 13).
   * @defaultValue 256 MiB
   */
  maxStreamBytes?: number;
  /**
   * Bytes all segments of all streams together may hold, in bytes; an
   * upload that would go past it is refused like one over `maxStreamBytes`.
   * Eight streams at their bound; keeps the origin's segment memory well
   * inside a 4 GiB host.
   * @defaultValue 2 GiB
   */
  maxStoreBytes?: number;
  /**
   * Segments per stream the latest manifest does not reference (neither a
   * media segment of one of its SegmentTemplates nor an init segment), in
   * segments. ffmpeg's dash muxer uploads every representation's init and
   * first media segments before its first manifest (about 10 for a 4-rung
   * ladder with audio), and a publisher restart (new run tag) makes the
   * previous run's segments unreferenced at once. A new unreferenced upload
   * past the bound first evicts the oldest settled unreferenced segments;
   * only unreferenced uploads still in progress filling it get it refused
   * (`StoreLimitError`, HTTP 507).
   * @defaultValue 32 (three times ffmpeg's start-up uploads)
   */
  maxUnreferencedSegments?: number;
  /**
   * Bytes per stream unreferenced segments (see `maxUnreferencedSegments`)
   * may hold, in bytes. Past it, the oldest settled unreferenced segments
   * are evicted to make room; an upload that cannot be made room for is
   * refused and dropped.
   * @defaultValue 64 MiB (one segment of `maxSegmentBytes`; ffmpeg's
   *   start-up uploads take a few MB)
   */
  maxUnreferencedBytes?: number;
  /**
   * A stream whose publisher sent nothing for this long (milliseconds) is
   * dropped with all its segments.
   * @defaultValue 60 000 ms
   */
  streamIdleTimeout?: number;
  /**
   * How often the store applies windows and drops idle streams, milliseconds.
   * Windows are also applied on every upload start.
   * @defaultValue 1000 ms
   */
  sweepInterval?: number;
}

/**
 * All published streams of an origin, in memory: segments as they upload,
 * manifests, held requests and the sliding windows. Creating a stream is
 * implicit in its first upload.
 */
export class SegmentStore {
  #streams = new Map<string, LiveStream>();
  #streamOptions: LiveStreamOptions;
  #streamIdleTimeout: number;
  #sweepTimer: NodeJS.Timeout;
  #observer: StoreObserver | undefined;
  #usage: StoreUsage;

  /**
   * @param observer instrumentation told about every stream's ingest,
   *   fan-out and held requests (the origin's metrics); none by default.
   */
  constructor(options: SegmentStoreOptions = {}, observer?: StoreObserver) {
    this.#observer = observer;
    this.#streamOptions = {
      holdAhead: options.holdAhead ?? 3,
      holdTimeout: options.holdTimeout,
      windowMargin: options.windowMargin ?? 3,
      maxWindowSegments: options.maxWindowSegments ?? 60,
      maxSegmentBytes: options.maxSegmentBytes ?? 64 * MiB,
      maxStreamBytes: options.maxStreamBytes ?? 256 * MiB,
      maxUnreferencedSegments: options.maxUnreferencedSegments ?? 32,
      maxUnreferencedBytes: options.maxUnreferencedBytes ?? 64 * MiB,
    };
    this.#usage = { bytes: 0, maxBytes: options.maxStoreBytes ?? 2048 * MiB };
    this.#streamIdleTimeout = options.streamIdleTimeout ?? 60_000;
    this.#sweepTimer = setInterval(() => this.sweep(), options.sweepInterval ?? 1000);
    this.#sweepTimer.unref();
  }

  /** The stream named `name`, if anything was published to it and it was not dropped. */
  stream(name: string): LiveStream | undefined {
    return this.#streams.get(name);
  }

  /** Bytes held by all segments of all streams. */
  get bytes(): number {
    return this.#usage.bytes;
  }

  /** Every stream. */
  streams(): IterableIterator<LiveStream> {
    return this.#streams.values();
  }

  /**
   * Starts an upload (see {@link LiveStream.beginSegment}), creating the stream if needed.
   * @throws StoreLimitError as {@link LiveStream.beginSegment} does; the
   *   segment's `append` throws it past a byte bound.
   */
  beginSegment(stream: string, name: string): Segment {
    return this.#streamFor(stream).beginSegment(name);
  }

  /** Replaces a manifest (see {@link LiveStream.putManifest}), creating the stream if needed. */
  putManifest(stream: string, name: string, manifest: PreparedManifest): void {
    this.#streamFor(stream).putManifest(name, manifest);
  }

  /** Drops a refused upload (see {@link LiveStream.discard}). @returns whether it was removed. */
  discard(stream: string, segment: Segment): boolean {
    return this.#streams.get(stream)?.discard(segment) ?? false;
  }

  /** The publisher's DELETE. @returns whether something was removed. */
  delete(stream: string, name: string): boolean {
    return this.#streams.get(stream)?.delete(name) ?? false;
  }

  /** Applies every stream's window and drops streams idle longer than `streamIdleTimeout`. */
  sweep(now = performance.now()): void {
    for (const stream of this.#streams.values()) {
      if (now - stream.lastIngestAt > this.#streamIdleTimeout) {
        this.#streams.delete(stream.name);
        stream.close();
      } else {
        stream.evict(now);
      }
    }
  }

  /** Per-stream counters for `/healthz`. */
  stats(): LiveStreamStats[] {
    const now = performance.now();
    return [...this.#streams.values()].map((stream) => stream.stats(now));
  }

  /** Stops the sweep, aborts uploads, answers held requests and forgets every stream. */
  close(): void {
    clearInterval(this.#sweepTimer);
    for (const stream of this.#streams.values()) stream.close();
    this.#streams.clear();
  }

  #streamFor(name: string): LiveStream {
    let stream = this.#streams.get(name);
    if (stream === undefined) {
      stream = new LiveStream(name, this.#streamOptions, this.#observer?.streamCreated(name), this.#usage);
      this.#streams.set(name, stream);
    }
    return stream;
  }
}
