/**
 * How a held request ended (see {@link LiveStream.waitForSegment}):
 * `served` (the upload started in time), `timeout` (it did not: the client
 * gets a 404), `cancelled` (the client went away or the stream closed).
 */
export type HeldRequestOutcome = 'served' | 'timeout' | 'cancelled';

/**
 * Instrumentation of one stream of a {@link SegmentStore}, told what happens
 * as it happens. Implemented by the origin's metrics; the store itself knows
 * nothing of Prometheus. Calls sit on the chunk path, so implementations
 * must be cheap and must not throw.
 */
export interface StreamObserver {
  /**
   * Bytes arrived for a segment of `rendition` (the Representation@id the
   * latest manifest gives its file name, or `unknown` when no manifest
   * names it). Called once per chunk, or once with the total of the chunks
   * that arrived before a manifest named the segment's representation.
   * @param bytes byte count.
   * @param chunks chunk count (body pieces as they arrived: about one per
   *   publisher write, e.g. one CMAF chunk, unless TCP split or merged them).
   */
  ingested(rendition: string, bytes: number, chunks: number): void;
  /**
   * A chunk has been handed to the last of the readers that were following
   * its segment's upload when it arrived.
   * @param delay seconds from its arrival at ingest to that reader's write.
   */
  chunkFannedOut(delay: number): void;
  /** A held request ended. */
  heldRequestEnded(outcome: HeldRequestOutcome): void;
  /** The store dropped the stream (idle, or the store closed): forget its series. */
  dropped(): void;
}

/** Creates a {@link StreamObserver} for each stream a {@link SegmentStore} creates. */
export interface StoreObserver {
  /** A stream named `stream` was created (its first upload or manifest). */
  streamCreated(stream: string): StreamObserver;
}
