import type { PlayerError } from '../player-error.js';
import type { PlayerSnapshot } from '../store/player-snapshot.js';

/** Payload of `latencychange`: the two numbers a latency readout shows, in seconds. */
export interface LatencyChange {
  /** See {@link PlayerSnapshot.liveLatency}. */
  readonly liveLatency: number | null;
  /** See {@link PlayerSnapshot.targetLatency}. */
  readonly targetLatency: number;
}

/** Payload of `stall`: the buffer ran dry during playback. */
export interface StallInfo {
  /** Stalls since the last `load()`, this one included. */
  readonly stallCount: number;
  /** Live latency in seconds when the stall was noticed, or `null` if unknown. */
  readonly liveLatency: number | null;
}

/**
 * Every event a player emits, by type, with its payload.
 *
 * Events are derived from snapshot changes and delivered in the same
 * microtask as store listeners, so a listener always sees the snapshot
 * that the event describes.
 */
export interface PlayerEventMap {
  /**
   * The snapshot changed (any field, once per batch of changes: up to every
   * 100 ms while playing, as latency is sampled). Payload: the new snapshot;
   * compare its `status` with the last one seen to react to status changes.
   */
  statechange: PlayerSnapshot;
  /** `liveLatency` or `targetLatency` changed (up to every 100 ms while playing). */
  latencychange: LatencyChange;
  /** Playback stalled (rebuffer); `status` is `'stalled'` until data arrives. */
  stall: StallInfo;
  /** A failure stopped playback; `status` is `'error'`. */
  error: PlayerError;
}
