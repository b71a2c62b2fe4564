import type { Writable } from 'node:stream';
import type { ArrivalClock } from '../sources/arrival-clock.js';

/** Options of {@link MediaFeed.head}. */
export interface HeadOptions {
  /** Collect at least this long after the first byte, ms. @defaultValue 1000 ms */
  minDuration?: number;
  /** ...and at least this many bytes. @defaultValue 64 KiB */
  minBytes?: number;
  /** Enough whatever the time, bytes. @defaultValue 8 MiB */
  maxBytes?: number;
}

/**
 * A pushed publish as the transcoder takes it: bytes of one container
 * (NUT relayed from SRT, FLV from RTMP) that can be probed from
 * their first seconds and written to a transcoder's stdin, with bounded
 * memory. `SrtFeed` and `FlvFeed` both are one.
 */
export interface MediaFeed {
  /** Bytes received so far. */
  readonly bytes: number;
  /** Units (chunks or tags) dropped because the sink or the head was full. */
  readonly dropped: number;
  /** Whether the publish is over. */
  readonly ended: boolean;
  /** When its video frames arrived, by their timestamps as the transcoder reads them (ms): its capture clock. */
  readonly arrivals: ArrivalClock;
  /**
   * How much earlier than their arrival the publisher says its frames were
   * made, ms (its own capture times, where it sends them and they are
   * plausible; see `PublisherLead`), taken off the capture clock's times;
   * 0 or absent when it sends none.
   */
  readonly publisherLead?: number;
  /**
   * What is wrong with the publish's timestamps (they stopped while frames
   * kept coming, say), once something is: the ingest then drops the
   * publisher, and the session ends with this as its reason.
   */
  readonly timestampProblem?: string | undefined;
  /**
   * The first bytes of the publish, once there are enough to probe (see
   * {@link HeadOptions}) or the publish ended.
   * @returns them, or an empty buffer if the publish ended without any.
   */
  head(options?: HeadOptions): Promise<Buffer>;
  /** Sends the stream to `sink` (a transcoder's stdin), replacing the previous sink. */
  attach(sink: Writable): void;
  /** The publish is over: waiters get what there is, the sink is ended. */
  end(): void;
}

/**
 * Those waiting for a feed to have more ({@link MediaFeed.head}): woken
 * when data arrives or the publish ends, and at least every `poll` ms (the
 * head's minimum duration passes without data arriving).
 */
export class FeedWaiters {
  #waiters = new Set<() => void>();

  /** Resolves at the next {@link FeedWaiters.wake}, or after `poll` ms. */
  next(poll = 100): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, poll);
      this.#waiters.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Something changed: every waiter re-checks. */
  wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
    this.#waiters.clear();
  }
}
