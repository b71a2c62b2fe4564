import type { StoreObserver, StreamObserver } from '../store/store-observer.js';

/** One reading of a stream's ingest counter. */
interface Sample {
  /** `performance.now()`, ms. */
  at: number;
  bytes: number;
}

/**
 * Counts the bytes publishers push into the segment store, per stream,
 * for the streams API's ingest bitrate. It is the store's
 * {@link StoreObserver} and passes every call on to `next` (the origin's
 * metrics), so both see the same ingest.
 */
export class IngestMeter implements StoreObserver {
  #next: StoreObserver | undefined;
  #bytes = new Map<string, number>();
  #samples = new Map<string, Sample[]>();
  #window: number;

  /**
   * @param next observer to pass every call on to.
   * @param window span the bitrate is averaged over, ms. @defaultValue 3000 ms
   */
  constructor(next?: StoreObserver, window = 3000) {
    this.#next = next;
    this.#window = window;
  }

  /** {@link StoreObserver}. */
  streamCreated(stream: string): StreamObserver {
    const next = this.#next?.streamCreated(stream);
    this.#bytes.set(stream, this.#bytes.get(stream) ?? 0);
    return {
      ingested: (rendition, bytes, chunks) => {
        this.#bytes.set(stream, (this.#bytes.get(stream) ?? 0) + bytes);
        next?.ingested(rendition, bytes, chunks);
      },
      chunkFannedOut: (delay) => next?.chunkFannedOut(delay),
      heldRequestEnded: (outcome) => next?.heldRequestEnded(outcome),
      dropped: () => next?.dropped(),
    };
  }

  /** Bytes ingested for `stream` since the meter was created. */
  bytes(stream: string): number {
    return this.#bytes.get(stream) ?? 0;
  }

  /**
   * Ingest rate of `stream` over the last `window` ms, bits/s. Each call
   * takes a reading, so calling it about once a second keeps it current.
   */
  bitrate(stream: string, now = performance.now()): number {
    const samples = this.#samples.get(stream) ?? [];
    samples.push({ at: now, bytes: this.bytes(stream) });
    while (samples.length > 2 && now - samples[1]!.at >= this.#window) samples.shift();
    this.#samples.set(stream, samples);
    const first = samples[0]!;
    const seconds = (now - first.at) / 1000;
    return seconds <= 0 ? 0 : Math.round(((this.bytes(stream) - first.bytes) * 8) / seconds);
  }

  /** Forgets `stream`'s readings (it was removed). */
  forget(stream: string): void {
    this.#samples.delete(stream);
  }
}
