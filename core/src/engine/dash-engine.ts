import type {
  ErrorEvent as DashErrorEvent,
  ManifestLoadedEvent,
  MediaInfo,
  MediaPlayerClass,
  MediaPlayerErrors,
  MediaPlayerSettingClass,
  QualityChangeRenderedEvent,
  ThroughputDictValue,
} from 'dashjs';

import { EventEmitter, type ListenOptions } from '../events/event-emitter.js';
import { PlayerError, type PlayerErrorCode } from '../player-error.js';
import { DEFAULT_TARGET_LATENCY } from '../store/player-snapshot.js';
import type { Unsubscribe } from '../store/snapshot-store.js';
import type { Engine, EngineEventMap, EngineLoadOptions, UtcTimingSource } from './engine.js';
import { CaptureTimeline } from './capture-timeline.js';
import { readManifestTiming } from './manifest-timing.js';
import type { AudioTrack, Rendition, TextTrack, TrackList, TrackSelection } from './tracks.js';

const CHANNEL_CONFIGURATION_SCHEME = 'urn:mpeg:dash:23003:3:audio_channel_configuration:2011';

function audioTrackOf(info: MediaInfo, position: number): AudioTrack {
  // Only this scheme's value is a plain channel count (others use hex masks).
  const configuration = info.audioChannelConfiguration?.find((d) => d.schemeIdUri === CHANNEL_CONFIGURATION_SCHEME);
  const channels = Number.parseInt(configuration?.value ?? '', 10);
  return {
    id: info.id ?? `audio-${position}`,
    language: info.lang ?? null,
    label: info.labels?.[0]?.text ?? null,
    channels: Number.isFinite(channels) ? channels : null,
  };
}

function textTrackOf(info: MediaInfo, position: number): TextTrack {
  const captions = info.roles?.some((role) => role.value === 'caption') ?? false;
  return {
    id: info.id ?? `text-${position}`,
    language: info.lang ?? null,
    label: info.labels?.[0]?.text ?? null,
    kind: captions ? 'captions' : 'subtitles',
  };
}

/** The dash.js 5 `MediaPlayer` instance, as exposed by `player.engine`. */
export type DashMediaPlayer = MediaPlayerClass;

type DashModule = typeof import('dashjs');

/**
 * dash.js settings (5.2 names) for chunked low-latency live playback under
 * the player's own control.
 *
 * dash.js 5 has no low-latency switch: it enters low-latency mode by itself
 * when a SegmentTemplate has `availabilityTimeComplete="false"` (as the
 * origin's MPD does), and then loads such segments with `fetch`, appending
 * each CMAF chunk as it arrives. Its catch-up and its ABR are off: the
 * player's live control sets the playback rate and picks the rendition.
 *
 * @param liveDelay - seconds behind the live edge to start at, on dash.js's
 *   `availabilityStartTime` timeline.
 */
function lowLatencySettings(liveDelay: number): MediaPlayerSettingClass {
  return {
    streaming: {
      // Where playback starts; overrides ServiceDescription and the 4-segment default.
      delay: { liveDelay },
      liveCatchup: { enabled: false },
      buffer: {
        // dash.js calls a buffer under 0.3 s "empty" in low-latency mode; at a
        // 0.2 s target that is the normal state. Stalls are the video element's.
        lowLatencyStallThreshold: 0,
      },
      abr: {
        // Throughput stays dash.js's default for low latency, lowLatencyDownloadTimeCalculationModeMoofParsing:
        // per-chunk transfer times (moof start to mdat end), not segment download times.
        autoSwitchBitrate: { video: false, audio: false },
      },
      // Subtitles stay off until the page picks a text track.
      text: { defaultEnabled: false },
      utcSynchronization: {
        enabled: true,
        // If the MPD's UTCTiming source fails, use the MPD response's Date header (the origin's clock).
        useManifestDateHeaderTimeSource: true,
      },
      // Each chunk's prft: the capture time of its frame (see CaptureTimeline).
      parseInbandPrft: true,
    },
  };
}

/** The `UTCTiming` elements of a manifest as dash.js parses it (attributes become properties). */
function utcTimingSources(manifest: unknown): UtcTimingSource[] {
  if (typeof manifest !== 'object' || manifest === null) return [];
  const raw = (manifest as { UTCTiming?: unknown }).UTCTiming;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.flatMap((entry) => {
    const { schemeIdUri, value } = (entry ?? {}) as { schemeIdUri?: unknown; value?: unknown };
    return typeof schemeIdUri === 'string' && typeof value === 'string' ? [{ scheme: schemeIdUri, value }] : [];
  });
}

/** dash.js error codes that stop playback, by the kind of failure they are. */
function fatalErrorCodes(errors: MediaPlayerErrors): ReadonlyMap<number, PlayerErrorCode> {
  return new Map<number, PlayerErrorCode>([
    [errors.MANIFEST_LOADER_PARSING_FAILURE_ERROR_CODE, 'manifest'],
    [errors.MANIFEST_LOADER_LOADING_FAILURE_ERROR_CODE, 'manifest'],
    [errors.DOWNLOAD_ERROR_ID_MANIFEST_CODE, 'manifest'],
    [errors.MANIFEST_ERROR_ID_PARSE_CODE, 'manifest'],
    [errors.MANIFEST_ERROR_ID_NOSTREAMS_CODE, 'manifest'],
    [errors.MANIFEST_ERROR_ID_MULTIPLEXED_CODE, 'manifest'],
    [errors.DOWNLOAD_ERROR_ID_INITIALIZATION_CODE, 'network'],
    [errors.CAPABILITY_MEDIASOURCE_ERROR_CODE, 'unsupported'],
    [errors.MEDIASOURCE_TYPE_UNSUPPORTED_CODE, 'unsupported'],
  ]);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

class DashEngine implements Engine<DashMediaPlayer> {
  #events = new EventEmitter<EngineEventMap>();
  #video: HTMLVideoElement | null = null;
  #videoListeners: AbortController | null = null;
  #player: DashMediaPlayer | null = null;
  #targetLatency = DEFAULT_TARGET_LATENCY;
  #producerReferenceOffset = 0;
  #captures = new CaptureTimeline();
  /** `MPD@availabilityStartTime`, epoch ms, or `null` (not live / not loaded). */
  #availabilityStartTime: number | null = null;
  /** Id of the video representation on screen, from dash.js's QUALITY_CHANGE_RENDERED. */
  #renderedRendition: string | null = null;
  #audioInfos: MediaInfo[] = [];
  #textInfos: MediaInfo[] = [];
  #autoplay = false;
  // Bumped by load() and destroy(), so a dash.js import that resolves late is ignored.
  #generation = 0;
  #destroyed = false;

  get native(): DashMediaPlayer | null {
    return this.#player;
  }

  on<K extends keyof EngineEventMap>(type: K, listener: (payload: EngineEventMap[K]) => void, options?: ListenOptions): Unsubscribe {
    return this.#events.on(type, listener, options);
  }

  attach(video: HTMLVideoElement): void {
    if (video === this.#video) return;
    this.#videoListeners?.abort();
    this.#videoListeners = new AbortController();
    const { signal } = this.#videoListeners;
    this.#video = video;
    let muted = video.muted;
    video.addEventListener('canplay', () => this.#events.emit('canplay'), { signal });
    video.addEventListener('playing', () => this.#events.emit('playing'), { signal });
    video.addEventListener('pause', () => this.#events.emit('pause'), { signal });
    video.addEventListener('ended', () => this.#events.emit('ended'), { signal });
    video.addEventListener(
      'waiting',
      () => {
        // A seek also waits for data; only a dry buffer during playback is a stall.
        if (!video.seeking && !video.paused) this.#events.emit('waiting');
      },
      { signal },
    );
    video.addEventListener(
      'volumechange',
      () => {
        if (video.muted === muted) return;
        muted = video.muted;
        this.#events.emit('mutedchange', { muted });
      },
      { signal },
    );
    video.addEventListener(
      'error',
      () => {
        const mediaError = video.error;
        const detail = mediaError ? `MediaError ${mediaError.code}${mediaError.message ? `: ${mediaError.message}` : ''}` : 'unknown error';
        this.#events.emit('error', new PlayerError('media', `The browser could not play the media (${detail}).`, { cause: mediaError }));
      },
      { signal },
    );
    this.#player?.attachView(video);
    this.#events.emit('mutedchange', { muted });
  }

  load(src: string, options: EngineLoadOptions): void {
    const video = this.#video;
    if (!video || this.#destroyed) throw new Error('DashEngine.load() needs attach(video) first and a live engine.');
    // dash.js resolves segment URLs against the MPD URL, and its CMCD code throws on relative ones.
    const url = new URL(src, video.ownerDocument.baseURI).href;
    const generation = ++this.#generation;
    this.#autoplay = options.autoplay;
    this.#forgetStream();
    this.#events.emit('loadstart', { src, autoplay: options.autoplay, resume: options.resume ?? false });
    if (this.#player) {
      this.#player.setAutoPlay(options.autoplay);
      this.#applyLiveDelay();
      this.#player.attachSource(url);
      return;
    }
    // dash.js touches `navigator` when imported, so it is loaded on first use:
    // importing the core stays safe during server-side rendering.
    import('dashjs').then(
      (dash) => {
        if (generation === this.#generation && this.#video) this.#start(dash, this.#video, url);
      },
      (cause: unknown) => {
        if (generation !== this.#generation) return;
        this.#events.emit('error', new PlayerError('engine', `dash.js could not be loaded: ${describe(cause)}`, { cause }));
      },
    );
  }

  #start(dash: DashModule, video: HTMLVideoElement, url: string): void {
    const player = dash.MediaPlayer().create();
    // initialize() without a view or source adds dash.js's default time source
    // (time.akamai.com); it is removed so the clock is only ever synced to the
    // origin: its UTCTiming, else its Date header.
    player.initialize();
    player.clearDefaultUTCTimingSources();
    player.updateSettings(lowLatencySettings(this.#liveDelay()));
    const { events, errors } = dash.MediaPlayer;
    const fatal = fatalErrorCodes(errors);
    // These listeners live as long as `player`: destroy() tears down its event bus.
    player.on(events.MANIFEST_LOADED, (event: ManifestLoadedEvent) => {
      const timing = readManifestTiming(event.data);
      this.#producerReferenceOffset = timing.producerReferenceOffset;
      this.#availabilityStartTime = timing.availabilityStartTime;
      this.#applyLiveDelay();
      this.#events.emit('manifestloaded', {
        targetLatency: timing.targetLatency,
        availabilityStartTime: timing.availabilityStartTime,
        utcTiming: utcTimingSources(event.data),
      });
    });
    player.on(events.THROUGHPUT_MEASUREMENT_STORED, (event: { throughputValues?: ThroughputDictValue }) => {
      const measured = event.throughputValues;
      // The event does not say which media it measured; dash.js stores the same object per media type.
      // (getRawThroughputData returns undefined for a media type with no entries yet, despite its type.)
      const video = player.getRawThroughputData('video') as ThroughputDictValue[] | undefined;
      if (!measured || video?.at(-1) !== measured) return;
      const bandwidth = player.getCurrentRepresentationForType('video')?.bandwidth ?? 0;
      const bitsPerSecond = measured.value * 1000;
      if (!(bitsPerSecond > 0) || !(bandwidth > 0)) return;
      // The media those bytes carry, at the rendition's declared bitrate.
      this.#events.emit('throughput', { bitsPerSecond, mediaSeconds: (measured.downloadedBytes * 8) / bandwidth });
    });
    // 'inbandPrft' (typed INBAND_PRFT_RECEIVED; the runtime constant is INBAND_PRFT in dash.js 5.2).
    player.on('inbandPrft', (event: { mediaType?: string; data?: Array<{ type?: string; ntpTimestamp?: number; mediaTime?: number }> }) => {
      if (event.mediaType !== 'video') return;
      for (const { type, ntpTimestamp, mediaTime } of event.data ?? []) {
        if (type === 'captured' && ntpTimestamp! > 0 && mediaTime! >= 0) this.#captures.add(mediaTime!, ntpTimestamp!);
      }
    });
    player.on(events.PLAYBACK_NOT_ALLOWED, () => this.#events.emit('playnotallowed'));
    player.on(events.STREAM_INITIALIZED, () => this.#publishTracks());
    player.on(events.TEXT_TRACKS_ADDED, () => this.#publishTracks());
    player.on(events.QUALITY_CHANGE_RENDERED, (event: QualityChangeRenderedEvent) => {
      if (event.mediaType !== 'video') return;
      this.#renderedRendition = event.newRepresentation?.id ?? null;
      this.#publishSelection();
    });
    player.on(events.TRACK_CHANGE_RENDERED, () => this.#publishSelection());
    player.on(events.ERROR, (event: DashErrorEvent) => {
      const error = event.error;
      if (typeof error !== 'object') return;
      const code = fatal.get(error.code);
      // Other dash.js errors (a late segment, a failed clock sync) are retried or worked around by dash.js.
      if (code) this.#events.emit('error', new PlayerError(code, `${error.message} (dash.js error ${error.code})`, { cause: error }));
    });
    player.setAutoPlay(this.#autoplay);
    player.attachView(video);
    player.attachSource(url);
    this.#player = player;
  }

  /** dash.js's live delay is measured from availabilityStartTime; the target is measured from the producer's clock. */
  #liveDelay(): number {
    const delay = this.#targetLatency - this.#producerReferenceOffset;
    // An offset as large as the target means the PRFT contradicts the MPD timing; trust the target alone.
    return delay > 0 ? delay : this.#targetLatency;
  }

  #applyLiveDelay(): void {
    this.#player?.updateSettings({ streaming: { delay: { liveDelay: this.#liveDelay() } } });
  }

  #publishTracks(): void {
    const player = this.#player;
    if (!player) return;
    this.#audioInfos = player.getTracksFor('audio');
    this.#textInfos = player.getTracksFor('text');
    const renditions: Rendition[] = player
      .getRepresentationsByType('video')
      .map(({ id, width, height, bandwidth, codecs }) => ({ id, width, height, bandwidth, codecs: codecs ?? null }))
      .sort((a, b) => a.bandwidth - b.bandwidth);
    const list: TrackList = {
      renditions,
      audioTracks: this.#audioInfos.map(audioTrackOf),
      textTracks: this.#textInfos.map(textTrackOf),
    };
    this.#renderedRendition ??= player.getCurrentRepresentationForType('video')?.id ?? null;
    this.#events.emit('tracks', list);
    this.#publishSelection();
  }

  #publishSelection(): void {
    const player = this.#player;
    if (!player) return;
    const audio = player.getCurrentTrackFor('audio');
    const audioPosition = audio ? this.#audioInfos.findIndex((info) => info === audio || (info.id !== null && info.id === audio.id)) : -1;
    const textPosition = player.isTextEnabled() ? player.getCurrentTextTrackIndex() : -1;
    const textInfo = this.#textInfos[textPosition];
    const selection: TrackSelection = {
      rendition: this.#renderedRendition,
      audioTrack: audio && audioPosition >= 0 ? audioTrackOf(audio, audioPosition).id : null,
      textTrack: textInfo ? textTrackOf(textInfo, textPosition).id : null,
    };
    this.#events.emit('selectionchange', selection);
  }

  setRendition(id: string | null): void {
    // null: the player's ABR names the next rendition; dash.js's own ABR stays off.
    if (id !== null) this.#player?.setRepresentationForTypeById('video', id);
  }

  setAudioTrack(id: string): void {
    const position = this.#audioInfos.findIndex((info, i) => audioTrackOf(info, i).id === id);
    const info = this.#audioInfos[position];
    if (info) this.#player?.setCurrentTrack(info);
  }

  setTextTrack(id: string | null): void {
    const player = this.#player;
    if (!player) return;
    const position = id === null ? -1 : this.#textInfos.findIndex((info, i) => textTrackOf(info, i).id === id);
    if (position < 0) {
      player.enableText(false);
    } else {
      player.enableText(true);
      player.setTextTrack(position);
    }
    this.#publishSelection();
  }

  play(): void {
    this.#autoplay = true;
    const player = this.#player;
    if (!player) return;
    player.setAutoPlay(true);
    try {
      player.play();
    } catch {
      // Playback is not initialized yet: the autoplay flag set above starts it.
    }
  }

  pause(): void {
    this.#autoplay = false;
    const player = this.#player;
    if (!player) return;
    player.setAutoPlay(false);
    try {
      player.pause();
    } catch {
      // Playback is not initialized yet: with autoplay off it will not start.
    }
  }

  setMuted(muted: boolean): void {
    if (this.#video) this.#video.muted = muted;
  }

  isMuted(): boolean {
    return this.#video?.muted ?? false;
  }

  seekToLive(): void {
    this.#player?.seekToOriginalLive();
  }

  setTargetLatency(seconds: number): void {
    this.#targetLatency = seconds;
    this.#applyLiveDelay();
  }

  getProducerTime(): number | null {
    const video = this.#video;
    const ast = this.#availabilityStartTime;
    // Before the first frame currentTime is 0, which is not a live position.
    if (!video || ast === null || !this.#player || !(video.currentTime > 0)) return null;
    // The frame's own capture time from its chunk's prft, else dash.js's live timeline:
    // currentTime is seconds since availabilityStartTime (its getCurrentLiveLatency()
    // uses the same), which the MPD's PRFT moves to the producer's clock.
    return this.#captures.at(video.currentTime) ?? ast - this.#producerReferenceOffset * 1000 + video.currentTime * 1000;
  }

  seekBy(seconds: number): void {
    const video = this.#video;
    if (!video || !this.#player || !(seconds > 0)) return;
    // On the element: dash.js follows element seeks (its 'seeking' handler reschedules
    // loading), while its own seek() would clamp the time to its liveDelay.
    video.currentTime += seconds;
  }

  setPlaybackRate(rate: number): void {
    if (this.#video && this.#video.playbackRate !== rate) this.#video.playbackRate = rate;
  }

  getDroppedFrames(): number {
    return this.#video?.getVideoPlaybackQuality().droppedVideoFrames ?? 0;
  }

  getBufferAhead(): number {
    const video = this.#video;
    if (!video) return 0;
    const { buffered, currentTime } = video;
    for (let i = 0; i < buffered.length; i++) {
      if (buffered.start(i) <= currentTime && currentTime <= buffered.end(i)) return buffered.end(i) - currentTime;
    }
    return 0;
  }

  getPlaybackRate(): number {
    return this.#video?.playbackRate ?? 1;
  }

  unload(): void {
    if (this.#destroyed) return;
    // A dash.js import still on its way is ignored, as after a new load().
    this.#generation++;
    // destroy() detaches the MediaSource from the video element; the next load() creates a new MediaPlayer.
    this.#player?.destroy();
    this.#player = null;
    this.#forgetStream();
    this.#events.emit('unload');
  }

  /** Drops what the engine learned of the last stream (its timeline, capture times, tracks). */
  #forgetStream(): void {
    this.#producerReferenceOffset = 0;
    this.#captures = new CaptureTimeline();
    this.#availabilityStartTime = null;
    this.#renderedRendition = null;
    this.#audioInfos = [];
    this.#textInfos = [];
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#generation++;
    this.#videoListeners?.abort();
    // destroy() detaches the MediaSource from the video element and drops dash.js's timers and event bus.
    this.#player?.destroy();
    this.#player = null;
    this.#video = null;
    this.#events.clear();
  }
}

/**
 * Creates the dash.js 5 engine, the default for `createPlayer()`. dash.js is
 * imported on the first `load()`, so pages that never play do not run it.
 */
export function createDashEngine(): Engine<DashMediaPlayer> {
  return new DashEngine();
}
