import type { Engine } from '../engine/engine.js';
import type { PlayerSnapshot } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';

/**
 * What a controller works with: it reads the engine and the snapshot, and
 * publishes through the store. Controllers never call each other.
 */
export interface ControllerContext {
  readonly engine: Engine;
  readonly store: SnapshotStore<PlayerSnapshot>;
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
