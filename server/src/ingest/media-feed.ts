import type { Writable } from 'node:stream';
import type { HeadOptions } from './srt-listener.js';

/**
 * A pushed publish as the transcoder takes it: bytes of one container
 * (MPEG-TS from SRT, FLV from RTMP) that can be probed from
 * their first seconds and written to a transcoder's stdin, with bounded
 * memory. `TsFeed` and `FlvFeed` both are one.
 */
export interface MediaFeed {
  /** Bytes received so far. */
  readonly bytes: number;
  /** Units (chunks or tags) dropped because the sink or the head was full. */
  readonly dropped: number;
  /** Whether the publish is over. */
  readonly ended: boolean;
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
