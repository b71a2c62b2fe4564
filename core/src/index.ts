/**
 * `@llstream/core`: a framework-agnostic low-latency live DASH player on
 * dash.js 5, with an observable snapshot store and typed events.
 *
 * All times in the API are in seconds.
 *
 * @packageDocumentation
 */
export { assertTargetLatency, createPlayer, type Player, type PlayerOptions } from './player.js';
export {
  DEFAULT_TARGET_LATENCY,
  initialSnapshot,
  LATENCY_SAMPLE_INTERVAL_MS,
  type PlayerSnapshot,
  type PlayerStatus,
  type TargetLatencySource,
} from './store/player-snapshot.js';
export type { ReadableStore, SnapshotListener, Unsubscribe } from './store/snapshot-store.js';
export type { LatencyChange, PlayerEventMap, StallInfo } from './events/player-events.js';
export type { ListenOptions } from './events/event-emitter.js';
export { PlayerError, type PlayerErrorCode } from './player-error.js';
export type {
  Engine,
  EngineEventMap,
  EngineFactory,
  EngineLoadOptions,
  ManifestInfo,
  ThroughputSample,
  UtcTimingSource,
} from './engine/engine.js';
export { CLOCK_RESYNC_INTERVAL_S } from './controllers/clock-sync-controller.js';
export type { AudioTrack, Rendition, TextTrack, TrackList, TrackSelection } from './engine/tracks.js';
export { createDashEngine, type DashMediaPlayer } from './engine/dash-engine.js';
