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
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

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
  #byteLength = 0;
  #state: SegmentState = 'uploading';
  #settledAt: number | undefined;
  #lastWriteAt: number;
  #maxBytes: number;
  #writer: Writable | undefined;
  /** Readers following the upload: the one fan-out registry, emptied when the upload settles. */
  #readers = new Set<SegmentReader>();

  constructor(name: string, options: SegmentOptions = {}) {
    this.name = name;
    this.startedAt = performance.now();
    this.#lastWriteAt = this.startedAt;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
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

  /** The chunk at `index`, or undefined if it has not arrived. */
  chunkAt(index: number): Buffer | undefined {
    return this.#chunks[index];
  }

  /**
   * Adds a chunk and hands it to every reader that is waiting for one.
   * @throws Error if the segment is no longer uploading.
   * @throws SegmentTooLargeError if the segment would exceed its byte limit;
   *   the segment is then aborted.
   */
  append(chunk: Buffer): void {
    if (this.#state !== 'uploading') throw new Error(`segment ${this.name} is ${this.#state}`);
    if (chunk.length === 0) return;
    if (this.#byteLength + chunk.length > this.#maxBytes) {
      const error = new SegmentTooLargeError(this.name, this.#maxBytes);
      this.#settle('aborted', error);
      throw error;
    }
    this.#chunks.push(chunk);
    this.#byteLength += chunk.length;
    this.#lastWriteAt = performance.now();
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
  createReader(): Readable {
    const reader: SegmentReader = new SegmentReader(this, () => this.#readers.delete(reader));
    if (this.#state === 'uploading') this.#readers.add(reader);
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
 * A cursor into a segment's chunk list as a Readable. It pushes only while its
 * consumer asks for data (`_read`) and stops when `push` reports a full
 * buffer, so a slow consumer makes this reader lag on its cursor and costs the
 * writer and the other readers nothing.
 */
class SegmentReader extends Readable {
  #segment: Segment;
  #detach: () => void;
  #cursor = 0;
  #wantsData = false;

  constructor(segment: Segment, detach: () => void) {
    super();
    this.#segment = segment;
    this.#detach = detach;
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
    this.#detach();
    callback(error);
  }

  #pump(): void {
    while (this.#wantsData) {
      const chunk = this.#segment.chunkAt(this.#cursor);
      if (chunk !== undefined) {
        this.#cursor += 1;
        this.#wantsData = this.push(chunk);
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
