import type { Engine } from '../engine/engine.js';
import type { EventEmitter } from '../events/event-emitter.js';
import type { PlayerSnapshot } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';

/**
 * What a controller works with: it reads the engine and the snapshot,
 * publishes state through the store and what just happened on the bus.
 * Controllers never call each other.
 */
export interface ControllerContext {
  readonly engine: Engine;
  readonly store: SnapshotStore<PlayerSnapshot>;
  /**
   * What one controller tells the others, synchronously, as it happens
   * (the snapshot says what the state is; the bus says what just happened).
   * Internal: the page's events stay derived from the snapshot.
   */
  readonly bus: EventEmitter<ControllerEventMap>;
}

/** The events controllers send each other on {@link ControllerContext.bus}. */
export interface ControllerEventMap {
  /** Playback stalled (the buffer ran dry while playing); `at` in seconds of `performance.now()`. */
  stall: { readonly at: number };
  /** The page's quality choice changed (`'auto'`, or a rendition id). */
  qualitychange: { readonly quality: string; readonly previous: string };
}

/** One concern of the player (latency, playback state, ...), removable in one call. */
export interface Controller {
  /** Removes every listener and timer the controller registered. Idempotent. */
  destroy(): void;
}

/** Rounds seconds to the millisecond, the precision of the clocks they come from. */
export function roundToMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
