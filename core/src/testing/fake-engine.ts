import type { Engine, EngineEventMap, EngineLoadOptions } from '../engine/engine.js';
import { EventEmitter, type EmitArgs, type ListenOptions } from '../events/event-emitter.js';
import type { Unsubscribe } from '../store/snapshot-store.js';

/** Options of {@link FakeEngine}. */
export interface FakeEngineOptions {
  /**
   * Whether the simulated browser lets playback start with sound. When
   * `false`, `play()` while unmuted emits `playnotallowed` instead of playing.
   * @defaultValue `true`
   */
  unmutedAutoplay?: boolean;
}

/**
 * A scriptable {@link Engine} for tests without a browser or a stream: it
 * records what the player asked for, returns the measurements a test sets,
 * and emits the events a test asks for. `native` is the fake itself, so
 * `player.engine` gives a test the handle to script it.
 *
 * @example
 * ```ts
 * const fake = new FakeEngine();
 * const player = createPlayer({ engine: () => fake });
 * player.attach(video);
 * player.load('/live/demo/manifest.mpd');
 * fake.ready(); // canplay, then playing (autoplay)
 * fake.liveLatency = 0.98;
 * ```
 */
export class FakeEngine implements Engine<FakeEngine> {
  /** The element passed to `attach()`. */
  video: HTMLVideoElement | null = null;
  /** The `src` of the last `load()`. */
  src: string | null = null;
  /** How many times `load()` was called. */
  loadCount = 0;
  /** The `autoplay` of the last `load()`, turned on by `play()` and off by `pause()`. */
  autoplay = false;
  /** Whether playback is paused. */
  paused = true;
  /** Whether audio is muted. */
  muted = false;
  /** The last target latency the player set, in seconds. */
  targetLatency: number | null = null;
  /** How many times `seekToLive()` was called. */
  seekToLiveCount = 0;
  /** How many times `unload()` was called. */
  unloadCount = 0;
  /** Whether `destroy()` was called. Listeners stay registered, so a test can check the player removed its own. */
  destroyed = false;
  /**
   * The live latency the fake plays at, in seconds, or `null` before the
   * first frame: `getProducerTime()` returns `Date.now()` minus this (so with
   * a zero clock offset the player reads exactly this latency).
   */
  liveLatency: number | null = null;
  /** Every `seekBy()` distance, in seconds, in order. */
  seeks: number[] = [];
  /** Returned by `getDroppedFrames()`. */
  droppedFrames = 0;
  /** Returned by `getBufferAhead()`, in seconds. */
  bufferAhead = 0;
  /** Returned by `getPlaybackRate()`; set by `setPlaybackRate()`. */
  playbackRate = 1;
  /** The rendition the player fixed with `setRendition`, `null` for automatic. */
  rendition: string | null = null;
  /** The audio track the player asked for last. */
  audioTrack: string | null = null;
  /** The text track the player asked for last (`null`: subtitles off). */
  textTrack: string | null = null;
  /** See {@link FakeEngineOptions.unmutedAutoplay}. */
  unmutedAutoplay: boolean;
  #events = new EventEmitter<EngineEventMap>();

  constructor(options: FakeEngineOptions = {}) {
    this.unmutedAutoplay = options.unmutedAutoplay ?? true;
  }

  get native(): FakeEngine {
    return this;
  }

  /** Emits an engine event, as the real engine would. */
  emit<K extends keyof EngineEventMap>(type: K, ...args: EmitArgs<EngineEventMap[K]>): void {
    this.#events.emit(type, ...args);
  }

  /** Listeners registered on this engine, for `type` or in all. */
  listenerCount(type?: keyof EngineEventMap): number {
    return this.#events.listenerCount(type);
  }

  /** Simulates the first frame becoming ready: `canplay`, then `play()` if autoplay is on. */
  ready(): void {
    this.emit('canplay');
    if (this.autoplay) this.play();
  }

  on<K extends keyof EngineEventMap>(type: K, listener: (payload: EngineEventMap[K]) => void, options?: ListenOptions): Unsubscribe {
    return this.#events.on(type, listener, options);
  }

  attach(video: HTMLVideoElement): void {
    this.video = video;
    this.emit('mutedchange', { muted: this.muted });
  }

  load(src: string, options: EngineLoadOptions): void {
    this.src = src;
    this.loadCount++;
    this.autoplay = options.autoplay;
    this.paused = true;
    this.emit('loadstart', { src, autoplay: options.autoplay, resume: options.resume ?? false });
  }

  play(): void {
    this.autoplay = true;
    if (!this.muted && !this.unmutedAutoplay) {
      this.emit('playnotallowed');
      return;
    }
    this.paused = false;
    this.emit('playing');
  }

  pause(): void {
    this.autoplay = false;
    this.paused = true;
    this.emit('pause');
  }

  setMuted(muted: boolean): void {
    if (muted === this.muted) return;
    this.muted = muted;
    this.emit('mutedchange', { muted });
  }

  isMuted(): boolean {
    return this.muted;
  }

  seekToLive(): void {
    this.seekToLiveCount++;
  }

  setTargetLatency(seconds: number): void {
    this.targetLatency = seconds;
  }

  getProducerTime(): number | null {
    return this.liveLatency === null ? null : Date.now() - this.liveLatency * 1000;
  }

  seekBy(seconds: number): void {
    this.seeks.push(seconds);
    if (this.liveLatency !== null) this.liveLatency -= seconds;
  }

  setPlaybackRate(rate: number): void {
    this.playbackRate = rate;
  }

  getDroppedFrames(): number {
    return this.droppedFrames;
  }

  getBufferAhead(): number {
    return this.bufferAhead;
  }

  getPlaybackRate(): number {
    return this.playbackRate;
  }

  setRendition(id: string | null): void {
    this.rendition = id;
  }

  setAudioTrack(id: string): void {
    this.audioTrack = id;
  }

  setTextTrack(id: string | null): void {
    this.textTrack = id;
  }

  unload(): void {
    this.unloadCount++;
    this.src = null;
    this.paused = true;
    this.emit('unload');
  }

  destroy(): void {
    this.destroyed = true;
  }
}
