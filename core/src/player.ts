import { LatencyController } from './controllers/latency-controller.js';
import { LiveSessionController } from './controllers/live-session-controller.js';
import { PlaybackController } from './controllers/playback-controller.js';
import { TracksController } from './controllers/tracks-controller.js';
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
   * The live latency to hold, in seconds (finite, greater than 0). Fixed until
   * {@link Player.setTargetLatency} changes it.
   * @defaultValue the MPD's `ServiceDescription/Latency@target` (milliseconds
   *   in the MPD) when present, else {@link DEFAULT_TARGET_LATENCY} (1 s)
   */
  targetLatency?: number;
  /**
   * Start playing as soon as the first frame is ready. If the browser refuses
   * unmuted autoplay, the player mutes itself and starts anyway
   * (`snapshot.muted` becomes `true`).
   * @defaultValue `true`: a live player is there to play live
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
  /** Jumps to the live edge minus the target latency. */
  seekToLive(): void;
  /**
   * Sets the live latency to hold, in seconds; `null` goes back to the
   * manifest's ServiceDescription target (or the default).
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

class LLPlayer<N> implements Player<N> {
  readonly subscribe: Player<N>['subscribe'];
  readonly getSnapshot: Player<N>['getSnapshot'];
  #engine: Engine<N>;
  #store: SnapshotStore<PlayerSnapshot>;
  #events = new EventEmitter<PlayerEventMap>();
  #latency: LatencyController;
  #playback: PlaybackController;
  #tracks: TracksController;
  #session: LiveSessionController;
  #autoplay: boolean;
  #muted: boolean | undefined;
  #attached = false;
  #destroyed = false;

  constructor(options: PlayerOptions<N>, createEngine: EngineFactory<N>) {
    const { targetLatency } = options;
    if (targetLatency !== undefined) assertTargetLatency(targetLatency);
    this.#autoplay = options.autoplay ?? true;
    this.#muted = options.muted;
    this.#store = createSnapshotStore(
      initialSnapshot(targetLatency ?? DEFAULT_TARGET_LATENCY, targetLatency === undefined ? 'default' : 'option'),
    );
    this.subscribe = this.#store.subscribe;
    this.getSnapshot = this.#store.getSnapshot;
    this.#engine = createEngine();
    const context = { engine: this.#engine, store: this.#store };
    this.#playback = new PlaybackController(context);
    this.#tracks = new TracksController(context);
    this.#session = new LiveSessionController(context);
    this.#latency = new LatencyController(context, targetLatency ?? null);
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
    if (!this.#destroyed) this.#engine.seekToLive();
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
    this.#latency.destroy();
    this.#engine.destroy();
    this.#store.clear();
    this.#events.clear();
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
 * @throws RangeError if `options.targetLatency` is given and is not a finite number greater than 0.
 */
export function createPlayer(options?: PlayerOptions<DashMediaPlayer>): Player<DashMediaPlayer>;
export function createPlayer<N>(options: PlayerOptions<N> & { engine: EngineFactory<N> }): Player<N>;
export function createPlayer<N>(options: PlayerOptions<N> = {}): Player<N> {
  // Without a factory N is DashMediaPlayer (first overload), so the dash.js engine matches it.
  const createEngine = options.engine ?? (createDashEngine as unknown as EngineFactory<N>);
  return new LLPlayer(options, createEngine);
}
