import type { AudioTrack, Rendition, TextTrack } from '../engine/tracks.js';
import type { PlayerError } from '../player-error.js';

/**
 * Where the player is in its life, as a viewer would describe it.
 *
 * - `'idle'`: no source loaded yet.
 * - `'loading'`: `load()` was called and no frame has played yet.
 * - `'playing'`: the media is advancing.
 * - `'paused'`: stopped by `pause()`, by `autoplay: false`, or because the
 *   browser refused to start playback even muted.
 * - `'stalled'`: was playing and the buffer ran dry (a rebuffer); back to
 *   `'playing'` when data arrives. Seeking does not count as a stall.
 * - `'offline'`: the live stream ended (its publisher went away); the player
 *   watches the manifest and plays again by itself when a new session starts.
 * - `'error'`: a {@link PlayerError} stopped playback; the player still
 *   watches the manifest and resumes when the stream is live again, and
 *   `load()` starts over.
 */
export type PlayerStatus = 'idle' | 'loading' | 'playing' | 'paused' | 'stalled' | 'offline' | 'error';

/**
 * Where `targetLatency` came from.
 *
 * - `'auto'` (the default): the player's automatic target, the lowest latency
 *   delivery sustains without stalls, within `minLatency`–`maxLatency`.
 * - `'option'`: `createPlayer({ targetLatency })` or `setTargetLatency(seconds)`.
 */
export type TargetLatencySource = 'auto' | 'option';

/**
 * The automatic target before any delivery has been measured, in seconds:
 * playback starts this far behind the live edge and walks in to the measured
 * target (about two seconds of delivery later).
 */
export const DEFAULT_TARGET_LATENCY = 0.5;

/**
 * The player's observable state: a frozen object, replaced whenever a field
 * changes. All times are in seconds.
 */
export interface PlayerSnapshot {
  /** See {@link PlayerStatus}. */
  readonly status: PlayerStatus;
  /** The URL passed to the last `load()`, or `null` before the first. */
  readonly src: string | null;
  /**
   * Live latency in seconds: the server's wall-clock time now minus the
   * wall-clock time at which the frame being shown was produced. The server
   * clock is the local clock plus `clockOffset`; the production time comes
   * from `ProducerReferenceTime` when the MPD has one, else from
   * `availabilityStartTime`, plus the playback position. Sampled every
   * {@link LATENCY_SAMPLE_INTERVAL_MS} ms, rounded to the millisecond;
   * `null` until the first frame plays.
   */
  readonly liveLatency: number | null;
  /**
   * The live latency the player steers toward, in seconds: the page's fixed
   * target, or the automatic one (see {@link TargetLatencySource}).
   * @defaultValue automatic, starting at {@link DEFAULT_TARGET_LATENCY}
   */
  readonly targetLatency: number;
  /** See {@link TargetLatencySource}. */
  readonly targetLatencySource: TargetLatencySource;
  /**
   * Media buffered ahead of the playback position, in seconds (from the video
   * element's `buffered` ranges, rounded to the millisecond); 0 when nothing is.
   */
  readonly bufferAhead: number;
  /** The video element's playback rate (1 = real time); catch-up moves it. */
  readonly playbackRate: number;
  /**
   * Buffer ahead, in seconds, under which the player slows playback below
   * real time to avoid a stall: how irregularly chunks arrive (learned) plus
   * the 0.1 s the browser stops playing with (`rendererReserve`).
   */
  readonly bufferFloor: number;
  /** Stalls (rebuffers) since the last `load()`; the start-up wait is not one. */
  readonly stallCount: number;
  /** Seconds spent stalled since the last `load()`, rounded to the millisecond (a stall in progress counts when it ends). */
  readonly stallTime: number;
  /**
   * Estimated throughput to the player, in bits per second, measured per
   * CMAF chunk; `null` before the first measurement.
   */
  readonly throughput: number | null;
  /** Video frames the browser dropped since the element was attached. */
  readonly droppedFrames: number;
  /**
   * Seconds to add to the local clock (`Date.now()`) to
   * read the server's clock, from the MPD's `UTCTiming` source; 0 until
   * synchronised or when the MPD names no usable source.
   */
  readonly clockOffset: number;
  /**
   * Half-width of the interval the true clock offset lies in, in seconds
   * (half the shortest round trip to the time source); `null` while unsynchronised.
   */
  readonly clockUncertainty: number | null;
  /**
   * Whether audio is muted. Also `true` when the player muted itself because
   * the browser refused unmuted autoplay.
   */
  readonly muted: boolean;
  /**
   * Seconds from `load()` to the first frame playing (the `playing` event),
   * rounded to the millisecond; `null` until then.
   */
  readonly timeToFirstFrame: number | null;
  /** The failure that stopped playback, or `null`. Cleared by `load()`. */
  readonly error: PlayerError | null;
  /** The video renditions of the stream (its ladder), lowest bandwidth first; empty until the stream is initialized. */
  readonly renditions: readonly Rendition[];
  /** Id of the rendition on screen, or `null` before the first frame. */
  readonly rendition: string | null;
  /**
   * The page's quality choice: `'auto'` while the player picks the rendition
   * itself (adaptive bitrate), else the id fixed by `setQuality(id)`, at
   * once (`rendition` follows when the switch reaches the screen). `load()`
   * of a stream sets it back to `'auto'`; when the player reloads the same
   * stream by itself (a new publisher session, recovery from a failure) the
   * fixed rendition is kept, or, if the stream no longer has it, this
   * becomes `'auto'`.
   * @defaultValue `'auto'`
   */
  readonly quality: string;
  /** The stream's audio tracks (languages, channel layouts). */
  readonly audioTracks: readonly AudioTrack[];
  /** Id of the audio track heard, or `null`. */
  readonly audioTrack: string | null;
  /** The stream's text tracks (subtitles, captions). */
  readonly textTracks: readonly TextTrack[];
  /** Id of the text track shown, or `null` when subtitles are off (the default). */
  readonly textTrack: string | null;
}

/**
 * How often the live control runs, and live latency, buffer ahead and
 * playback rate are sampled, in milliseconds. A reader comparing the
 * estimate with the picture sees a value at most this old; at catch-up rates
 * (within 0.9–1.15) latency moves by less than 8 ms in that time.
 */
export const LATENCY_SAMPLE_INTERVAL_MS = 50;

/**
 * The snapshot of a player that has loaded nothing yet (`status: 'idle'`):
 * what `createPlayer()` starts with, and what adapters render where no
 * player exists (a server render, before mount). A new frozen-shape object
 * per call.
 * @param targetLatency - the target to show, in seconds: the page's fixed one, or {@link DEFAULT_TARGET_LATENCY}.
 * @param targetLatencySource - `'option'` for a fixed target, `'auto'` otherwise.
 */
export function initialSnapshot(targetLatency: number, targetLatencySource: TargetLatencySource): PlayerSnapshot {
  return {
    status: 'idle',
    src: null,
    liveLatency: null,
    targetLatency,
    targetLatencySource,
    bufferAhead: 0,
    playbackRate: 1,
    bufferFloor: 0,
    stallCount: 0,
    stallTime: 0,
    throughput: null,
    droppedFrames: 0,
    clockOffset: 0,
    clockUncertainty: null,
    muted: false,
    timeToFirstFrame: null,
    error: null,
    renditions: [],
    rendition: null,
    quality: 'auto',
    audioTracks: [],
    audioTrack: null,
    textTracks: [],
    textTrack: null,
  };
}
