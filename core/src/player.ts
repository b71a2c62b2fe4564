import type { ControllerEventMap } from './controllers/controller.js';
import { ClockSyncController } from './controllers/clock-sync-controller.js';
import { LatencyController } from './controllers/latency-controller.js';
import { LiveSessionController } from './controllers/live-session-controller.js';
import { PlaybackController } from './controllers/playback-controller.js';
import { TracksController } from './controllers/tracks-controller.js';
import { DEFAULT_CATCH_UP } from './control/catch-up.js';
import { DEFAULT_LIVE_CONTROL, type LiveControlSettings } from './control/live-control.js';
import { DEFAULT_AUTO_TARGET } from './control/target-latency.js';
import { createDashEngine, type DashMediaPlayer } from './engine/dash-engine.js';
import type { Engine, EngineFactory } from './engine/engine.js';
import { EventEmitter } from './events/event-emitter.js';
import type { PlayerEventMap } from './events/player-events.js';
import { DEFAULT_TARGET_LATENCY, initialSnapshot, type PlayerSnapshot } from './store/player-snapshot.js';
import { createSnapshotStore, type ReadableStore, type SnapshotStore, type Unsubscribe } from './store/snapshot-store.js';

/**
 * Options of {@link createPlayer}.
 *
 * @typeParam N - the engine's own object type, exposed as {@link Player.engine}.
 */
export interface PlayerOptions<N = DashMediaPlayer> {
  /**
   * A fixed live latency to hold, in seconds (finite, greater than 0), until
   * {@link Player.setTargetLatency} changes it.
   * @defaultValue automatic: the lowest latency delivery sustains without
   *   stalls (the 99th percentile of how old the newest buffered media is,
   *   plus its spread, plus a penalty after stalls), within
   *   `minLatency`–`maxLatency`, starting at {@link DEFAULT_TARGET_LATENCY}.
   *   The MPD's `ServiceDescription` target is not used: it is one number for
   *   every viewer's network.
   */
  targetLatency?: number;
  /**
   * Lowest automatic target latency, in seconds (> 0).
   * @defaultValue 0.1
   */
  minLatency?: number;
  /**
   * Highest automatic target latency, in seconds (≥ `minLatency`).
   * @defaultValue 5
   */
  maxLatency?: number;
  /**
   * Slowest playback rate catch-up and the buffer guard use, from 0.5 to 1.
   * @defaultValue 0.9 (speech pitch stays acceptable within 0.9–1.15)
   */
  minPlaybackRate?: number;
  /**
   * Fastest playback rate catch-up uses, from 1 to 2.
   * @defaultValue 1.15
   */
  maxPlaybackRate?: number;
  /**
   * Start playing as soon as the first frame is ready. If the browser refuses
   * unmuted autoplay, the player mutes itself and starts anyway
   * (`snapshot.muted` becomes `true`). Without it, the player loads the
   * stream and waits, paused on the first frame, for `play()`.
   * @defaultValue `false`, as for a `<video>`: every llstream adapter
   * (`<ll-player>`, `<LLPlayer>`, `<llstream-player>` and the hooks) has the
   * same default, and pages ask for autoplay as they do for a video
   */
  autoplay?: boolean;
  /**
   * Mute the video element on `attach()`.
   * @defaultValue leave the element's own `muted` as it is
   */
  muted?: boolean;
  /**
   * Creates the playback engine; for tests (`FakeEngine` from
   * `@llstream/core/testing`) or another engine.
   * @defaultValue {@link createDashEngine}
   */
  engine?: EngineFactory<N>;
}

/**
 * A low-latency live DASH player. Create it with {@link createPlayer}, then
 * `attach(video)` and `load(src)`. State is read through `getSnapshot()` /
 * `subscribe()` (shaped for React's `useSyncExternalStore`) and events
 * through `on()`.
 *
 * @typeParam N - the engine's own object type (dash.js `MediaPlayer` by default).
 */
export interface Player<N = DashMediaPlayer> extends ReadableStore<PlayerSnapshot> {
  /**
   * The escape hatch: the engine's own object (the dash.js `MediaPlayer`),
   * for what the player does not cover. `null` until the first `load()` has
   * created it (dash.js is imported then), and after `destroy()`.
   */
  readonly engine: N | null;
  /**
   * Plays into `video`. Call before `load()`; calling it again moves playback
   * to another element.
   * @throws Error if the player was destroyed.
   */
  attach(video: HTMLVideoElement): void;
  /**
   * Loads and (with `autoplay`) plays the live stream at `src`, an MPD URL
   * (relative URLs resolve against the document). Calling it again replaces
   * the stream and resets `stallCount`, `timeToFirstFrame` and `error`.
   * @throws Error if `attach()` was not called first, or the player was destroyed.
   * @throws TypeError if `src` is not a non-empty string.
   */
  load(src: string): void;
  /** Starts or resumes playback; a refused unmuted start falls back to muted. */
  play(): void;
  /** Pauses playback. Live latency grows while paused; `seekToLive()` returns to the target. */
  pause(): void;
  /**
   * Jumps to the target latency now (skipping forward), rather than letting
   * catch-up walk there. The player also does this by itself when latency is
   * more than 1.5 s over target, after a stall, and when the page becomes
   * visible again.
   */
  seekToLive(): void;
  /**
   * Fixes the live latency to hold, in seconds; `null` goes back to the
   * automatic target.
   * @throws RangeError if `seconds` is not a finite number greater than 0 (the message names the value).
   */
  setTargetLatency(seconds: number | null): void;
  /** Mutes or unmutes audio. */
  setMuted(muted: boolean): void;
  /**
   * Fixes the video rendition to `id` (one of `snapshot.renditions`) from its
   * next segment on, or with `'auto'` lets adaptive bitrate choose again.
   * `snapshot.rendition` changes when the switch reaches the screen.
   * @throws RangeError if `id` is neither `'auto'` nor a rendition id of the stream (the message lists them).
   */
  setQuality(id: string): void;
  /**
   * Switches to the audio track `id` (one of `snapshot.audioTracks`).
   * @throws RangeError if `id` is not an audio track id of the stream.
   */
  setAudioTrack(id: string): void;
  /**
   * Shows the text track `id` (one of `snapshot.textTracks`) in the video's
   * text tracks, or turns subtitles off with `null`.
   * @throws RangeError if `id` is not `null` or a text track id of the stream.
   */
  setTextTrack(id: string | null): void;
  /**
   * Registers a listener for a {@link PlayerEventMap} event.
   * @returns a function that removes the listener.
   */
  on<K extends keyof PlayerEventMap>(type: K, listener: (payload: PlayerEventMap[K]) => void): Unsubscribe;
  /**
   * Stops playback and releases the stream (dash.js's `MediaPlayer` and its
   * MediaSource, the latency sampling, manifest watching and clock
   * re-synchronisation), keeping the player, its video element, options,
   * target latency and listeners: the snapshot goes back to `'idle'` with no
   * `src`, and `load()` plays again. For a page that stops a stream it may
   * start again; `destroy()` when the player is done with. Does nothing
   * after `destroy()`.
   */
  unload(): void;
  /**
   * Stops playback and releases the engine (dash.js and its MediaSource),
   * timers, and every listener and subscriber. Idempotent; afterwards
   * `getSnapshot()` keeps returning the last snapshot.
   */
  destroy(): void;
}

/**
 * Checks a target latency the way the player does, for code that accepts one
 * before a player exists (e.g. an element attribute).
 * @param seconds - the candidate target latency, in seconds.
 * @throws RangeError if `seconds` is not a finite number greater than 0 (the message names the value).
 */
export function assertTargetLatency(seconds: unknown): asserts seconds is number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new RangeError(`targetLatency must be a finite number of seconds greater than 0, got ${String(seconds)}.`);
  }
}

function assertRange(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a number from ${min} to ${max}, got ${String(value)}.`);
  }
}

/** Checks the live-control options and builds the loop's settings from them and the defaults. */
function liveControlSettings(options: PlayerOptions<unknown>): LiveControlSettings {
  const { minLatency = DEFAULT_AUTO_TARGET.minLatency, maxLatency = DEFAULT_AUTO_TARGET.maxLatency } = options;
  const { minPlaybackRate = DEFAULT_CATCH_UP.minPlaybackRate, maxPlaybackRate = DEFAULT_CATCH_UP.maxPlaybackRate } = options;
  assertRange('minLatency', minLatency, 0.001, 60);
  assertRange('maxLatency', maxLatency, minLatency, 60);
  assertRange('minPlaybackRate', minPlaybackRate, 0.5, 1);
  assertRange('maxPlaybackRate', maxPlaybackRate, 1, 2);
  return {
    ...DEFAULT_LIVE_CONTROL,
    catchUp: { ...DEFAULT_CATCH_UP, minPlaybackRate, maxPlaybackRate },
    autoTarget: {
      ...DEFAULT_AUTO_TARGET,
      minLatency,
      maxLatency,
      initialLatency: Math.min(maxLatency, Math.max(minLatency, DEFAULT_TARGET_LATENCY)),
    },
  };
}

class LLPlayer<N> implements Player<N> {
  readonly subscribe: Player<N>['subscribe'];
  readonly getSnapshot: Player<N>['getSnapshot'];
  #engine: Engine<N>;
  #store: SnapshotStore<PlayerSnapshot>;
  #events = new EventEmitter<PlayerEventMap>();
  #bus = new EventEmitter<ControllerEventMap>();
  #latency: LatencyController;
  #playback: PlaybackController;
  #tracks: TracksController;
  #session: LiveSessionController;
  #clock: ClockSyncController;
  #autoplay: boolean;
  #muted: boolean | undefined;
  #attached = false;
  #destroyed = false;

  constructor(options: PlayerOptions<N>, createEngine: EngineFactory<N>) {
    const { targetLatency } = options;
    if (targetLatency !== undefined) assertTargetLatency(targetLatency);
    this.#autoplay = options.autoplay ?? false;
    this.#muted = options.muted;
    this.#store = createSnapshotStore(
      initialSnapshot(targetLatency ?? DEFAULT_TARGET_LATENCY, targetLatency === undefined ? 'auto' : 'option'),
    );
    this.subscribe = this.#store.subscribe;
    this.getSnapshot = this.#store.getSnapshot;
    this.#engine = createEngine();
    const context = { engine: this.#engine, store: this.#store, bus: this.#bus };
    this.#playback = new PlaybackController(context);
    this.#tracks = new TracksController(context);
    this.#session = new LiveSessionController(context);
    this.#clock = new ClockSyncController(context);
    this.#latency = new LatencyController(context, targetLatency ?? null, liveControlSettings(options));
    this.#store.subscribe((snapshot, previous) => this.#emitEvents(snapshot, previous));
  }

  get engine(): N | null {
    return this.#destroyed ? null : this.#engine.native;
  }

  /** Events are derived from snapshot changes, so they can never disagree with the snapshot. */
  #emitEvents(snapshot: PlayerSnapshot, previous: PlayerSnapshot): void {
    this.#events.emit('statechange', snapshot);
    if (snapshot.stallCount > previous.stallCount) {
      this.#events.emit('stall', { stallCount: snapshot.stallCount, liveLatency: snapshot.liveLatency });
    }
    if (snapshot.error && snapshot.error !== previous.error) this.#events.emit('error', snapshot.error);
    if (snapshot.liveLatency !== previous.liveLatency || snapshot.targetLatency !== previous.targetLatency) {
      this.#events.emit('latencychange', { liveLatency: snapshot.liveLatency, targetLatency: snapshot.targetLatency });
    }
  }

  attach(video: HTMLVideoElement): void {
    if (this.#destroyed) throw new Error('attach() was called on a destroyed player; create a new one.');
    this.#engine.attach(video);
    this.#attached = true;
    if (this.#muted !== undefined) this.#engine.setMuted(this.#muted);
  }

  load(src: string): void {
    if (this.#destroyed) throw new Error('load() was called on a destroyed player; create a new one.');
    if (!this.#attached) throw new Error('load() needs a video element: call attach(video) first.');
    if (typeof src !== 'string' || src === '') throw new TypeError(`load() needs an MPD URL, got ${JSON.stringify(src)}.`);
    this.#engine.load(src, { autoplay: this.#autoplay });
  }

  play(): void {
    if (!this.#destroyed) this.#engine.play();
  }

  pause(): void {
    if (!this.#destroyed) this.#engine.pause();
  }

  seekToLive(): void {
    if (!this.#destroyed) this.#latency.seekToLive();
  }

  setTargetLatency(seconds: number | null): void {
    if (seconds !== null) assertTargetLatency(seconds);
    if (!this.#destroyed) this.#latency.setTargetLatency(seconds);
  }

  setMuted(muted: boolean): void {
    if (this.#destroyed) return;
    this.#muted = muted;
    this.#engine.setMuted(muted);
  }

  setQuality(id: string): void {
    if (!this.#destroyed) this.#tracks.setQuality(id);
  }

  setAudioTrack(id: string): void {
    if (!this.#destroyed) this.#tracks.setAudioTrack(id);
  }

  setTextTrack(id: string | null): void {
    if (!this.#destroyed) this.#tracks.setTextTrack(id);
  }

  unload(): void {
    if (!this.#destroyed) this.#engine.unload();
  }

  on<K extends keyof PlayerEventMap>(type: K, listener: (payload: PlayerEventMap[K]) => void): Unsubscribe {
    if (this.#destroyed) return () => {};
    return this.#events.on(type, listener);
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#playback.destroy();
    this.#tracks.destroy();
    this.#session.destroy();
    this.#clock.destroy();
    this.#latency.destroy();
    this.#engine.destroy();
    this.#store.clear();
    this.#events.clear();
    this.#bus.clear();
  }
}

/**
 * Creates a low-latency live player on dash.js 5 (or on `options.engine`).
 * It does nothing until `attach(video)` and `load(src)`.
 *
 * @example
 * ```ts
 * const player = createPlayer({ targetLatency: 1 });
 * player.attach(document.querySelector('video')!);
 * player.load('https://origin.example/live/demo/manifest.mpd');
 * player.on('latencychange', ({ liveLatency }) => console.log(liveLatency));
 * ```
 * @throws RangeError if `options.targetLatency` is given and is not a finite
 *   number greater than 0, or `minLatency`, `maxLatency`, `minPlaybackRate`
 *   or `maxPlaybackRate` is out of its range (the message names the option and value).
 */
export function createPlayer(options?: PlayerOptions<DashMediaPlayer>): Player<DashMediaPlayer>;
export function createPlayer<N>(options: PlayerOptions<N> & { engine: EngineFactory<N> }): Player<N>;
export function createPlayer<N>(options: PlayerOptions<N> = {}): Player<N> {
  // Without a factory N is DashMediaPlayer (first overload), so the dash.js engine matches it.
  const createEngine = options.engine ?? (createDashEngine as unknown as EngineFactory<N>);
  return new LLPlayer(options, createEngine);
}
