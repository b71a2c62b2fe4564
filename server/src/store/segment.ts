import { Readable, Writable } from 'node:stream';

/**
 * Upload state of a {@link Segment}.
 *
 * - `uploading`: the publisher's request is still open; more chunks may come.
 * - `complete`: the request body ended normally; the bytes are final.
 * - `aborted`: the upload broke off (publisher gone, replaced, deleted or
 *   evicted mid-upload); the bytes are a prefix of a segment that never finished.
 */
export type SegmentState = 'uploading' | 'complete' | 'aborted';

/** A reader reached the end of the bytes of a segment whose upload broke off. */
export class SegmentAbortedError extends Error {
  override readonly name = 'SegmentAbortedError';
  constructor(readonly segmentName: string) {
    super(`upload of segment ${segmentName} broke off before it was complete`);
  }
}

/** An upload grew beyond {@link SegmentOptions.maxBytes}. */
export class SegmentTooLargeError extends Error {
  override readonly name = 'SegmentTooLargeError';
  constructor(
    readonly segmentName: string,
    readonly maxBytes: number,
  ) {
    super(`segment ${segmentName} exceeds ${maxBytes} bytes`);
  }
}

/** Options of a {@link Segment}. */
export interface SegmentOptions {
  /**
   * Largest accepted upload in bytes; a bigger one is aborted. It bounds the
   * memory one misbehaving publisher can take.
   * @defaultValue 64 MiB
   */
  maxBytes?: number;
  /** Instrumentation; nothing is measured without it. */
  hooks?: SegmentHooks;
  /**
   * Called with a chunk's size before the chunk is stored: the owner's
   * memory accounting (its stream's and store's byte bounds). Throwing
   * refuses the chunk: the segment is then aborted and {@link Segment.append}
   * rethrows. Runs on the chunk path, so it must be cheap.
   * @defaultValue none: only `maxBytes` bounds the segment
   */
  reserve?: (bytes: number) => void;
}

/**
 * Instrumentation of one {@link Segment} (the origin's metrics, through its
 * stream). Called on the chunk path: implementations must be cheap and must
 * not throw.
 */
export interface SegmentHooks {
  /** A chunk of `bytes` bytes arrived. */
  chunkIngested(bytes: number): void;
  /**
   * Every reader that was following the upload when a chunk arrived has
   * been handed it. `delay` is seconds from the chunk's arrival to the last
   * of those hand-overs (the reader's push into its consumer, e.g. the HTTP
   * response). Not called for a chunk nobody was following, nor when the
   * last of its followers went away without it.
   */
  chunkFannedOut(delay: number): void;
  /** A reader was created. */
  readerOpened(): void;
  /** A reader ended or was destroyed (once per opened reader). */
  readerClosed(): void;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** `#undelivered` mark of a chunk whose fan-out was reported. */
const FANNED_OUT = -1;

/** Options of {@link Segment.createReader}. */
export interface SegmentReaderOptions {
  /**
   * When the client asked for the segment, `performance.now()` ms. The
   * reader then counts as following every chunk that arrived after that,
   * also those that arrived before the reader was created (a request held
   * until the upload started usually gets its reader a moment after the
   * first chunk). Without it, only chunks arriving after creation count.
   */
  requestedAt?: number;
}

/**
 * One file of a stream (an init or media segment) while and after it is
 * uploaded: a growing list of chunks exactly as they arrived from the
 * publisher, plus its {@link SegmentState}.
 *
 * Any number of readers ({@link Segment.createReader}) stream it at the same
 * time. Each keeps its own cursor into the chunk list, so the writer never
 * waits for a reader and a slow reader only lags behind on its own cursor;
 * memory is bounded by the segment itself, never by the number or speed of
 * readers.
 */
export class Segment {
  /** File name within its stream, e.g. `seg-mi2x7k1c-0-00042.m4s`. */
  readonly name: string;
  /** When the upload started, `performance.now()` milliseconds. */
  readonly startedAt: number;

  #chunks: Buffer[] = [];
  /**
   * Per chunk, the same bytes in HTTP/1.1 chunked framing (`<hex size>CRLF
   * <data> CRLF`, RFC 9112 section 7.1), built once at arrival: `#chunks[i]` is
   * a view into `#framed[i]`, so no byte is stored twice and a chunked
   * response is one write per chunk, whatever the number of viewers.
   */
  #framed: Buffer[] = [];
  #byteLength = 0;
  #state: SegmentState = 'uploading';
  #settledAt: number | undefined;
  #lastWriteAt: number;
  #maxBytes: number;
  #writer: Writable | undefined;
  /** Readers and feeds following the upload: the one fan-out registry, emptied when the upload settles. */
  #readers = new Set<Follower>();
  #hooks: SegmentHooks | undefined;
  #reserve: ((bytes: number) => void) | undefined;
  /** Per chunk, with hooks only: arrival time, `performance.now()` ms. */
  #arrivals: number[] = [];
  /**
   * Per chunk, with hooks only: followers that have not been handed it yet,
   * or {@link FANNED_OUT} once the last one has.
   */
  #undelivered: number[] = [];

  constructor(name: string, options: SegmentOptions = {}) {
    this.name = name;
    this.startedAt = performance.now();
    this.#lastWriteAt = this.startedAt;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#hooks = options.hooks;
    this.#reserve = options.reserve;
  }

  /** Current upload state. */
  get state(): SegmentState {
    return this.#state;
  }

  /** Bytes received so far. */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** Chunks received so far (one per publisher write, e.g. one CMAF chunk). */
  get chunkCount(): number {
    return this.#chunks.length;
  }

  /** Readers currently following the upload (0 once it has settled). */
  get liveReaderCount(): number {
    return this.#readers.size;
  }

  /** When the upload completed or broke off, `performance.now()` ms; undefined while uploading. */
  get settledAt(): number | undefined {
    return this.#settledAt;
  }

  /** Last time bytes arrived (or the upload started), `performance.now()` ms. */
  get lastWriteAt(): number {
    return this.#lastWriteAt;
  }

  /** Every byte received so far, as one buffer (a copy; for byte-range answers of finished segments). */
  bytes(): Buffer {
    return Buffer.concat(this.#chunks, this.#byteLength);
  }

  /** The chunk at `index`, or undefined if it has not arrived. */
  chunkAt(index: number): Buffer | undefined {
    return this.#chunks[index];
  }

  /** The chunk at `index` in HTTP/1.1 chunked framing, or undefined if it has not arrived. */
  framedChunkAt(index: number): Buffer | undefined {
    return this.#framed[index];
  }

  /**
   * Adds a chunk and hands it to every reader that is waiting for one.
   * @throws Error if the segment is no longer uploading.
   * @throws SegmentTooLargeError if the segment would exceed its byte limit;
   *   the segment is then aborted.
   * @throws whatever {@link SegmentOptions.reserve} throws (e.g. the store's
   *   `StoreLimitError`); the segment is then aborted.
   */
  append(chunk: Buffer): void {
    if (this.#state !== 'uploading') throw new Error(`segment ${this.name} is ${this.#state}`);
    if (chunk.length === 0) return;
    if (this.#byteLength + chunk.length > this.#maxBytes) {
      const error = new SegmentTooLargeError(this.name, this.#maxBytes);
      this.#settle('aborted', error);
      throw error;
    }
    if (this.#reserve !== undefined) {
      try {
        this.#reserve(chunk.length);
      } catch (error) {
        this.#settle('aborted', error as Error);
        throw error;
      }
    }
    const head = `${chunk.length.toString(16)}\r\n`;
    const framed = Buffer.allocUnsafe(head.length + chunk.length + 2);
    framed.write(head, 0, 'latin1');
    chunk.copy(framed, head.length);
    framed.write('\r\n', head.length + chunk.length, 'latin1');
    this.#framed.push(framed);
    this.#chunks.push(framed.subarray(head.length, head.length + chunk.length));
    this.#byteLength += chunk.length;
    this.#lastWriteAt = performance.now();
    if (this.#hooks !== undefined) {
      this.#arrivals.push(this.#lastWriteAt);
      this.#undelivered.push(this.#readers.size);
      this.#hooks.chunkIngested(chunk.length);
    }
    for (const reader of this.#readers) reader.wake();
  }

  /** Marks the upload complete: readers get the rest and then the end. No-op unless uploading. */
  finish(): void {
    this.#settle('complete');
  }

  /**
   * Marks the upload broken off: readers get every byte that arrived, then an
   * error ({@link SegmentAbortedError}) instead of an end, so an HTTP response
   * is cut short rather than looking complete. Also ends the upload's writer,
   * if any. No-op unless uploading.
   */
  abort(): void {
    this.#settle('aborted', new SegmentAbortedError(this.name));
  }

  /**
   * A byte stream of the segment: every chunk already there, then each new
   * chunk the moment it arrives, then the end (complete) or an error
   * (aborted). Honors backpressure per reader. Destroying the reader (for
   * example when the HTTP client goes away) unregisters it.
   */
  createReader(options: SegmentReaderOptions = {}): Readable {
    return this.#follow(options, (followFrom, callbacks) => new SegmentReader(this, followFrom, callbacks));
  }

  /**
   * Streams the segment straight into `sink` (e.g. the socket of an HTTP
   * response whose headers are out): every chunk already there, then each
   * new chunk the moment it arrives, each as one `sink.write`, in chunked
   * framing or raw. This is the fan-out's fast path: no stream in between,
   * one write per chunk and viewer, the framed bytes shared by all viewers.
   *
   * Backpressure: when `sink.write` returns false the feed stops at that
   * chunk and calls `options.blocked`; the owner calls
   * {@link SegmentFeed.resume} when the sink drains. A blocked feed costs the
   * writer and the other followers nothing; what waits in the sink is at
   * most its own high-water mark plus one chunk.
   *
   * `options.end` is called once, when the sink has every byte: `complete`
   * (the caller ends the response) or `aborted` (the upload broke off: the
   * caller cuts the response short). It is not called after
   * {@link SegmentFeed.close}.
   */
  feed(sink: ChunkSink, options: SegmentFeedOptions): SegmentFeed {
    const feed = this.#follow(options, (followFrom, callbacks) => new Feed(this, sink, options, followFrom, callbacks));
    feed.wake();
    return feed;
  }

  #follow<T extends Follower>(options: SegmentReaderOptions, create: (followFrom: number, callbacks: ReaderCallbacks) => T): T {
    const following = this.#state === 'uploading';
    // A reader counts toward the fan-out of the chunks that arrive while it
    // follows the upload (or since it was requested); the backlog it finds
    // is not fan-out.
    let followFrom = Number.POSITIVE_INFINITY;
    if (following && this.#hooks !== undefined) {
      followFrom = this.#chunks.length;
      const { requestedAt } = options;
      if (requestedAt !== undefined) {
        while (followFrom > 0 && this.#arrivals[followFrom - 1]! >= requestedAt) followFrom -= 1;
        for (let index = followFrom; index < this.#undelivered.length; index++) {
          if (this.#undelivered[index] !== FANNED_OUT) this.#undelivered[index]! += 1;
        }
      }
    }
    const reader: T = create(followFrom, {
      delivered: (index) => this.#delivered(index),
      detach: (cursor) => {
        this.#readers.delete(reader);
        // Chunks this reader was counted for and will never be handed.
        for (let index = Math.max(cursor, followFrom); index < this.#undelivered.length; index++) {
          if (this.#undelivered[index]! > 0) this.#undelivered[index]! -= 1;
        }
        this.#hooks?.readerClosed();
      },
    });
    if (following) this.#readers.add(reader);
    this.#hooks?.readerOpened();
    return reader;
  }

  /**
   * The upload side as a Writable, for `pipeline(request, segment.createWriter())`:
   * each write appends a chunk and completes at once (a writer never waits on
   * readers), the end completes the segment, and destroying the writer before
   * its end aborts the segment. Conversely, aborting the segment destroys the
   * writer, which makes the pipeline tear down the upload request.
   * @throws Error if the segment already has a writer or is not uploading.
   */
  createWriter(): Writable {
    if (this.#writer !== undefined || this.#state !== 'uploading') {
      throw new Error(`segment ${this.name} already has a writer or is ${this.#state}`);
    }
    const writer = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        try {
          this.append(chunk);
          callback();
        } catch (error) {
          callback(error as Error);
        }
      },
      final: (callback) => {
        this.finish();
        callback();
      },
      destroy: (error, callback) => {
        this.#settle('aborted', error ?? new SegmentAbortedError(this.name));
        callback(error);
      },
    });
    this.#writer = writer;
    return writer;
  }

  /** A follower was handed chunk `index`; the last one's hand-over is the chunk's fan-out. */
  #delivered(index: number): void {
    const left = this.#undelivered[index]!;
    // FANNED_OUT: a reader requested after the arrival but created after the
    // fan-out was reported; it does not count for this chunk.
    if (left <= 0) return;
    if (left > 1) {
      this.#undelivered[index] = left - 1;
      return;
    }
    this.#undelivered[index] = FANNED_OUT;
    this.#hooks!.chunkFannedOut((performance.now() - this.#arrivals[index]!) / 1000);
  }

  #settle(state: 'complete' | 'aborted', error?: Error): void {
    if (this.#state !== 'uploading') return;
    this.#state = state;
    this.#settledAt = performance.now();
    const readers = [...this.#readers];
    this.#readers.clear();
    for (const reader of readers) reader.wake();
    if (state === 'aborted' && this.#writer !== undefined && !this.#writer.destroyed) {
      this.#writer.destroy(error);
    }
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Bytes a segment reader queues for a consumer that is not taking them
 * (its Readable high-water mark), 16 KiB: Node's default, stated here
 * because the origin's memory per stalled viewer rests on it. A reader
 * stops pushing at this mark, so the overshoot is at most one chunk; the
 * queued chunks are the segment's own buffers, not copies.
 */
export const READER_HIGH_WATER_MARK = 16 * 1024;

/**
 * A cursor into a segment's chunk list as a Readable. It pushes only while its
 * consumer asks for data (`_read`) and stops when `push` reports a full
 * buffer, so a slow consumer makes this reader lag on its cursor and costs the
 * writer and the other readers nothing.
 */
interface ReaderCallbacks {
  /** Chunk `index`, one this reader counts toward (see `followFrom`), was pushed. */
  delivered(index: number): void;
  /** The reader is done; `cursor` chunks were pushed. */
  detach(cursor: number): void;
}

/** What the segment wakes when a chunk arrives or the upload settles. */
interface Follower {
  wake(): void;
}

/** Where {@link Segment.feed} writes: a socket, or anything with its `write` contract. */
export interface ChunkSink {
  /** Takes `data`; false when the sink's buffer is full (the feed then waits for {@link SegmentFeed.resume}). */
  write(data: Buffer): boolean;
}

/** Options of {@link Segment.feed}. */
export interface SegmentFeedOptions extends SegmentReaderOptions {
  /** `chunked`: each chunk in HTTP/1.1 chunked framing; `raw`: the bytes alone (a response with Content-Length, or HTTP/1.0). */
  framing: 'chunked' | 'raw';
  /** The sink's buffer is full; call {@link SegmentFeed.resume} when it drains. */
  blocked(): void;
  /** Every byte is in the sink: the upload completed, or broke off (`aborted`). */
  end(state: 'complete' | 'aborted'): void;
}

/** A running {@link Segment.feed}. */
export interface SegmentFeed {
  /** The sink drained: write on. */
  resume(): void;
  /** Stop (the client went away, or the response is done); idempotent. */
  close(): void;
}

class Feed implements Follower, SegmentFeed {
  #segment: Segment;
  #sink: ChunkSink;
  #options: SegmentFeedOptions;
  #followFrom: number;
  #callbacks: ReaderCallbacks;
  #cursor = 0;
  #blocked = false;
  #closed = false;

  constructor(segment: Segment, sink: ChunkSink, options: SegmentFeedOptions, followFrom: number, callbacks: ReaderCallbacks) {
    this.#segment = segment;
    this.#sink = sink;
    this.#options = options;
    this.#followFrom = followFrom;
    this.#callbacks = callbacks;
  }

  wake(): void {
    if (!this.#blocked) this.#pump();
  }

  resume(): void {
    if (!this.#blocked) return;
    this.#blocked = false;
    this.#pump();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#callbacks.detach(this.#cursor);
  }

  #pump(): void {
    const chunked = this.#options.framing === 'chunked';
    while (!this.#closed) {
      const data = chunked ? this.#segment.framedChunkAt(this.#cursor) : this.#segment.chunkAt(this.#cursor);
      if (data !== undefined) {
        const index = this.#cursor;
        this.#cursor += 1;
        const more = this.#sink.write(data);
        if (index >= this.#followFrom) this.#callbacks.delivered(index);
        if (!more) {
          this.#blocked = true;
          this.#options.blocked();
          return;
        }
        continue;
      }
      const state = this.#segment.state;
      // Caught up: the segment wakes this feed on its next chunk.
      if (state === 'uploading') return;
      this.close();
      this.#options.end(state);
      return;
    }
  }
}

class SegmentReader extends Readable implements Follower {
  #segment: Segment;
  /** First chunk index whose hand-over is reported (Infinity: none). */
  #followFrom: number;
  #callbacks: ReaderCallbacks;
  #cursor = 0;
  #wantsData = false;

  constructor(segment: Segment, followFrom: number, callbacks: ReaderCallbacks) {
    super({ highWaterMark: READER_HIGH_WATER_MARK });
    this.#segment = segment;
    this.#followFrom = followFrom;
    this.#callbacks = callbacks;
  }

  override _read(): void {
    this.#wantsData = true;
    this.#pump();
  }

  /** Called by the segment when a chunk arrived or the upload settled. */
  wake(): void {
    if (this.#wantsData) this.#pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#wantsData = false;
    this.#callbacks.detach(this.#cursor);
    callback(error);
  }

  #pump(): void {
    while (this.#wantsData) {
      const chunk = this.#segment.chunkAt(this.#cursor);
      if (chunk !== undefined) {
        const index = this.#cursor;
        this.#cursor += 1;
        // In flowing mode push() hands the chunk to the consumer (pipe ->
        // response.write) before it returns.
        this.#wantsData = this.push(chunk);
        if (index >= this.#followFrom) this.#callbacks.delivered(index);
        continue;
      }
      switch (this.#segment.state) {
        case 'uploading':
          // Caught up: the segment wakes this reader on its next chunk.
          return;
        case 'complete':
          this.#wantsData = false;
          this.push(null);
          return;
        case 'aborted':
          this.#wantsData = false;
          if (this.readableLength === 0) {
            this.destroy(new SegmentAbortedError(this.#segment.name));
          } else {
            // destroy() would discard bytes the consumer has not taken yet.
            // An empty push asks the stream to call _read again later,
            // when they may be gone.
            this.push(EMPTY);
          }
          return;
      }
    }
  }
}
