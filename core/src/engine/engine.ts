import type { ListenOptions } from '../events/event-emitter.js';
import type { PlayerError } from '../player-error.js';
import type { Unsubscribe } from '../store/snapshot-store.js';
import type { TrackList, TrackSelection } from './tracks.js';

/** A `UTCTiming` element of the MPD: where the server's clock can be read (ISO/IEC 23009-1 §5.8.4.11). */
export interface UtcTimingSource {
  /** `@schemeIdUri`, e.g. `urn:mpeg:dash:utc:http-xsdate:2014`. */
  readonly scheme: string;
  /** `@value`: the URL to fetch, or for the `direct` scheme the time itself. */
  readonly value: string;
}

/** What the engine learned from a (re)loaded manifest. */
export interface ManifestInfo {
  /** `ServiceDescription/Latency@target` in seconds, or `null` when the MPD has none. */
  readonly targetLatency: number | null;
  /**
   * `MPD@availabilityStartTime` in milliseconds since the Unix epoch, or
   * `null` (a static MPD). A new value at the same URL is a new publisher session.
   */
  readonly availabilityStartTime: number | null;
  /** The MPD's `UTCTiming` elements, in document order (possibly none). */
  readonly utcTiming: readonly UtcTimingSource[];
}

/** A throughput measurement of delivered media. */
export interface ThroughputSample {
  /**
   * Bits per second, measured per CMAF chunk (each chunk's bytes over the
   * time they took to arrive once they started), never per segment: under
   * chunked transfer a segment's download time is the wall clock.
   */
  readonly bitsPerSecond: number;
  /** Seconds of media the measured chunks carry. */
  readonly mediaSeconds: number;
}

/** Options of {@link Engine.load}. */
export interface EngineLoadOptions {
  /** Start playing as soon as possible. */
  readonly autoplay: boolean;
  /**
   * The same stream again after it ended or its session changed: the
   * player's counters (stalls, time to first frame) carry on.
   * @defaultValue `false`
   */
  readonly resume?: boolean;
}

/** Events an engine reports, by type, with their payloads. */
export interface EngineEventMap {
  /** `unload()` released the stream; emitted synchronously from it. */
  unload: void;
  /** `load()` was called; emitted synchronously from it. */
  loadstart: { readonly src: string; readonly autoplay: boolean; readonly resume: boolean };
  /** A manifest was loaded or refreshed. */
  manifestloaded: ManifestInfo;
  /** Enough media is buffered to show the first frame. */
  canplay: void;
  /** The media started or resumed advancing. */
  playing: void;
  /** Playback was paused (by a call, or because the media ended). */
  pause: void;
  /** The presentation reached its end: the live manifest says the stream is over. */
  ended: void;
  /** The buffer ran dry while playing (not because of a seek). */
  waiting: void;
  /** The browser refused to start playback (autoplay policy). */
  playnotallowed: void;
  /** The video element's `muted` changed; also emitted by `attach()` with its current state. */
  mutedchange: { readonly muted: boolean };
  /** A failure that stops playback. Failures the engine recovers from are not reported. */
  error: PlayerError;
  /** The stream's renditions and tracks became known or changed (a new period or stream). */
  tracks: TrackList;
  /** What plays changed: a rendition switch reached the screen, or another audio or text track took over. */
  selectionchange: TrackSelection;
  /** Video media was delivered and measured (about once per segment). */
  throughput: ThroughputSample;
}

/**
 * The small surface the player and its controllers use to drive a playback
 * engine. `engine/` is the only code that talks to dash.js; a fake engine
 * (`@llstream/core/testing`) or another engine implements the same interface.
 *
 * Times are in seconds. Getters return `null` when the value is unknown.
 *
 * @typeParam N - the engine's own object, exposed as {@link Engine.native}.
 */
export interface Engine<N = unknown> {
  /** The underlying engine object (the escape hatch), or `null` until `load()` has created it. */
  readonly native: N | null;
  /** Uses `video` for playback; emits `mutedchange` with its current state. */
  attach(video: HTMLVideoElement): void;
  /** Starts loading `src` (an MPD URL); emits `loadstart` synchronously. */
  load(src: string, options: EngineLoadOptions): void;
  /** Starts or resumes playback; emits `playnotallowed` if the browser refuses. */
  play(): void;
  /** Pauses playback. */
  pause(): void;
  /** Mutes or unmutes audio. */
  setMuted(muted: boolean): void;
  /** Whether audio is muted. */
  isMuted(): boolean;
  /** Jumps to the live edge minus the target latency (used while the player has no latency reading). */
  seekToLive(): void;
  /**
   * The live latency, in seconds (> 0), at which the engine starts playback
   * and to which `seekToLive()` jumps. The engine does no catch-up of its own:
   * the player sets the playback rate.
   */
  setTargetLatency(seconds: number): void;
  /**
   * The producer's wall-clock time, in ms since the epoch, at which the frame
   * at the playhead was captured (from the MPD's availability times and
   * `ProducerReferenceTime`), or `null` before the first frame. Live latency
   * is the server's time now minus this.
   */
  getProducerTime(): number | null;
  /** Moves the playhead `seconds` forward (a skip towards the live edge). */
  seekBy(seconds: number): void;
  /** Sets the playback rate (1 = real time). */
  setPlaybackRate(rate: number): void;
  /** Video frames the browser dropped since the element was attached. */
  getDroppedFrames(): number;
  /** Seconds of media buffered ahead of the playback position. */
  getBufferAhead(): number;
  /** The current playback rate (1 = real time). */
  getPlaybackRate(): number;
  /**
   * Plays the video rendition `id` from now on (its next segment). `null`
   * returns the choice to the player's adaptive bitrate, which then names a
   * rendition; the engine never switches by itself.
   */
  setRendition(id: string | null): void;
  /** Switches to the audio track `id` (an id from the `tracks` event). */
  setAudioTrack(id: string): void;
  /** Shows the text track `id`, or no subtitles with `null`. */
  setTextTrack(id: string | null): void;
  /** Registers a listener for an engine event. */
  on<K extends keyof EngineEventMap>(type: K, listener: (payload: EngineEventMap[K]) => void, options?: ListenOptions): Unsubscribe;
  /**
   * Stops playback and releases the stream (for dash.js: its `MediaPlayer`
   * and MediaSource), keeping the video element and the listeners; emits
   * `unload` synchronously. `load()` starts again.
   */
  unload(): void;
  /** Stops playback and releases the engine, its timers and listeners. Idempotent. */
  destroy(): void;
}

/** Creates a fresh engine for one player. */
export type EngineFactory<N = unknown> = () => Engine<N>;
