import { readFile } from 'node:fs/promises';
import type { Element } from '@xmldom/xmldom';
import type { Logger } from 'pino';
import type { ManifestFixup } from '../manifest.js';
import { expandTemplate } from '../segment-template.js';
import type { Segment } from '../../store/segment.js';
import { StoreLimitError } from '../../store/live-stream.js';
import type { SegmentStore } from '../../store/segment-store.js';
import { segmentSamples } from './cue-samples.js';
import { addTextAdaptationSets, readVideoTimeline, type TextTrackEntry, type VideoTimeline } from './text-adaptation-set.js';
import { parseWebVtt, WebVttStreamReader, type SubtitleCue } from './webvtt.js';
import { wvttInitSegment, wvttMediaSegment } from './wvtt.js';

/** Track ids: the `{track}` of upload URLs and part of segment names. */
export const SUBTITLE_TRACK_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Language tags accepted for a text track (BCP 47 shape, or ISO 639-2). */
export const LANGUAGE_PATTERN = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** What a text track is called and in which language. */
export interface SubtitleTrackInfo {
  /** `[A-Za-z0-9_-]{1,32}`, unique within the stream. */
  id: string;
  /** BCP 47 or ISO 639-2 (`en`, `eng`, `pt-BR`); `und` when unknown. */
  language: string;
  /** Label players show. */
  label?: string | undefined;
}

/** A sidecar WebVTT file delivered as a text track of a stream. */
export interface SidecarSubtitle {
  /** Path of the `.vtt` file. */
  path: string;
  /** BCP 47 or ISO 639-2. */
  language: string;
  /** Label players show. */
  label?: string | undefined;
}

/** A sidecar subtitle file could not be used; the message names the file (and line). */
export class SubtitleFileError extends Error {
  override readonly name = 'SubtitleFileError';
}

/** The writing end of a live subtitle track (see {@link SubtitlePackager.openUpload}). */
export interface SubtitleUpload {
  /** Feeds the next piece of the WebVTT document as it arrives. */
  write(piece: Buffer): void;
  /** The upload ended (normally or not); the track keeps its cues. */
  end(): void;
}

/** Options of a {@link SubtitlePackager}. */
export interface SubtitlePackagerOptions {
  /** Where the text segments go, beside the stream's video. */
  store: SegmentStore;
  logger: Logger;
  /**
   * How often streams with text tracks are checked for new video segments, ms.
   * @defaultValue 50 ms
   */
  pollInterval?: number;
  /**
   * How far text is written behind the video, ms: a text segment is
   * finished this long after its video segment completes, and chunks
   * before that stop this far short of where the video has got. It is room
   * for a cue still on its way over the other connection; ffmpeg writes a
   * cue when it reads it, before the video frame at the same time has been
   * encoded (measured: 40 to 50 ms ahead of that frame's upload with one
   * small rendition), so this only has to cover the transport.
   * @defaultValue 100 ms
   */
  cueGrace?: number;
  /**
   * Text segments written at once for video segments that were already
   * there when a stream's text started, newest last.
   * @defaultValue 5 (ffmpeg's live window)
   */
  backfill?: number;
  /**
   * While its video segment is still uploading, how often a text segment
   * gets a CMAF chunk with the cues up to where the video has got (less
   * `cueGrace`), ms; only when a cue is showing in that stretch. Players
   * fetching chunked (dash.js in low-latency mode) then have a cue long
   * before they play it, instead of at the end of its segment.
   * @defaultValue 250 ms
   */
  chunkInterval?: number;
}

interface Track {
  readonly info: SubtitleTrackInfo;
  readonly kind: 'input' | 'sidecar';
  header: string;
  cues: SubtitleCue[];
  /** An input track whose upload is open. */
  uploading: boolean;
  /** Counts the uploads of an input track; only the latest one feeds it. */
  upload: number;
}

/** A text segment number being packaged: begun with its video segment, written when that completes. */
interface OpenNumber {
  readonly video: Segment;
  readonly text: Map<Track, Segment>;
  /** Media time each text segment has been written up to, ticks. */
  readonly written: Map<Track, number>;
  videoDoneAt: number | undefined;
  /** Last time a chunk was considered, `performance.now()` ms. */
  lastChunkAt: number;
}

interface Run {
  timeline: VideoTimeline;
  /** Next video segment number to look for; undefined until the first is found. */
  nextNumber: number | undefined;
  readonly open: Map<number, OpenNumber>;
  readonly initWritten: Set<Track>;
  /** mfhd sequence number of each track's last chunk. */
  readonly sequence: Map<Track, number>;
  /** Media time (ticks) up to which each track has been written: a cue starting before it is late. */
  readonly writtenUntil: Map<Track, number>;
}

interface StreamState {
  readonly tracks: Map<string, Track>;
  run: Run | undefined;
  /** When a refusal of the store was last logged, `performance.now()` ms. */
  limitLoggedAt?: number;
}

/** Cues an input track holds at most while they wait for their segments. */
const MAX_LIVE_CUES = 10_000;

const pad = (number: number): string => String(number).padStart(5, '0');

/**
 * Packages subtitle tracks as live CMAF WebVTT (`wvtt`) text tracks of the
 * streams in a {@link SegmentStore}.
 *
 * Cues come from ffmpeg (each input subtitle track written as WebVTT to an
 * upload, see {@link SubtitlePackager.openUpload}) or from sidecar files.
 * Text segment N covers the time of video segment N: it is begun in the
 * store when video segment N starts uploading (so requests held for it get
 * their headers then, like video), gets a CMAF chunk with the cues so far
 * every {@link SubtitlePackagerOptions.chunkInterval} while one is showing,
 * and is finished when video segment N is complete plus {@link
 * SubtitlePackagerOptions.cueGrace}; an aborted video segment aborts it.
 * A segment without cues is a valid empty one. Being store segments, text
 * segments get the hold rule, the window and the cache headers of video.
 *
 * The manifest fix-up ({@link SubtitlePackager.manifestFixup}) reads the
 * video timeline from every manifest the publisher sends and adds one text
 * AdaptationSet per track. Cue times are seconds of presentation time:
 * ffmpeg's WebVTT output shares the dash output's timeline (both start at
 * the input's first timestamp), and sidecar cues count from the start of
 * each publisher run.
 */
export class SubtitlePackager {
  #store: SegmentStore;
  #logger: Logger;
  #cueGrace: number;
  #backfill: number;
  #chunkInterval: number;
  #streams = new Map<string, StreamState>();
  #timer: NodeJS.Timeout;

  constructor(options: SubtitlePackagerOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#cueGrace = options.cueGrace ?? 100;
    this.#backfill = options.backfill ?? 5;
    this.#chunkInterval = options.chunkInterval ?? 250;
    this.#timer = setInterval(() => {
      try {
        this.tick();
      } catch (error) {
        // A timer's exception would take the whole origin down.
        this.#logger.error({ err: error }, 'subtitle packaging failed');
      }
    }, options.pollInterval ?? 50);
    this.#timer.unref();
  }

  /**
   * Starts (or restarts: a new ffmpeg run) an input subtitle track of
   * `stream` fed by a live WebVTT upload. The track's previous cues are
   * dropped; its text AdaptationSet appears with the stream's next manifest.
   * @throws RangeError if the track id or language is malformed.
   */
  openUpload(stream: string, info: SubtitleTrackInfo): SubtitleUpload {
    checkTrackInfo(info);
    const state = this.#state(stream);
    let track = state.tracks.get(info.id);
    if (track?.kind === 'sidecar') throw new RangeError(`track id ${info.id} is a sidecar track of stream ${stream}`);
    if (track === undefined || track.info.language !== info.language || track.info.label !== info.label) {
      track = { info, kind: 'input', header: 'WEBVTT', cues: [], uploading: true, upload: 0 };
      state.tracks.set(info.id, track);
    }
    // The same track again (a restarted ffmpeg): segments being packaged
    // keep their track; its cues start over with the new run's timeline.
    const current = track;
    const upload = (current.upload += 1);
    current.cues = [];
    current.uploading = true;
    const log = this.#logger.child({ stream, track: info.id });
    log.info({ language: info.language }, 'subtitle track upload started');
    const reader = new WebVttStreamReader(`${stream}/${info.id}`);
    return {
      write: (piece) => {
        // A previous run's upload still trickling in must not mix its cues in.
        if (current.upload !== upload) return;
        const { cues, errors } = reader.push(piece);
        for (const error of errors) log.warn({ err: error }, 'subtitle cue skipped');
        if (cues.length > 0) this.#addCues(stream, current, cues, log);
      },
      end: () => {
        if (current.upload !== upload) return;
        current.uploading = false;
        log.info({ cues: current.cues.length }, 'subtitle track upload ended');
      },
    };
  }

  /**
   * Reads a sidecar WebVTT file and delivers it as a text track of
   * `stream` (id `vtt0`, `vtt1`, ... in the order attached). Cue times
   * count from the start of each publisher run (presentation time 0).
   * @throws SubtitleFileError naming the file if it cannot be read, and
   *   the line if it is not valid WebVTT; nothing is attached then.
   * @throws RangeError if the language is malformed.
   */
  async attachSidecar(stream: string, sidecar: SidecarSubtitle): Promise<void> {
    let text: string;
    try {
      text = await readFile(sidecar.path, 'utf8');
    } catch (error) {
      throw new SubtitleFileError(`subtitle file ${sidecar.path} of stream ${stream} cannot be read: ${(error as Error).message}`);
    }
    let document;
    try {
      document = parseWebVtt(text, sidecar.path);
    } catch (error) {
      throw new SubtitleFileError(`subtitle file of stream ${stream} is not valid WebVTT: ${(error as Error).message}`);
    }
    const state = this.#state(stream);
    const sidecars = [...state.tracks.values()].filter((track) => track.kind === 'sidecar').length;
    const info: SubtitleTrackInfo = { id: `vtt${sidecars}`, language: sidecar.language, label: sidecar.label };
    checkTrackInfo(info);
    const cues = [...document.cues].sort((a, b) => a.start - b.start);
    state.tracks.set(info.id, { info, kind: 'sidecar', header: document.header, cues, uploading: false, upload: 0 });
    this.#logger.info({ stream, track: info.id, path: sidecar.path, cues: cues.length }, 'sidecar subtitles attached');
  }

  /** The text tracks of `stream`, in the order their AdaptationSets appear. */
  tracks(stream: string): SubtitleTrackInfo[] {
    return [...(this.#streams.get(stream)?.tracks.values() ?? [])].map((track) => track.info);
  }

  /**
   * The manifest fix-up for `stream` (for `prepareManifest`'s `fixups`): it
   * follows the video timeline the manifest describes (a new publisher run
   * starts the text anew) and adds a text AdaptationSet per track. A
   * manifest whose video is not number-addressed with a fixed duration gets
   * no text.
   */
  manifestFixup(stream: string): ManifestFixup {
    return (mpd: Element) => {
      const state = this.#streams.get(stream);
      if (state === undefined || state.tracks.size === 0) return;
      const timeline = readVideoTimeline(mpd);
      if (timeline === undefined) {
        this.#logger.warn({ stream }, 'subtitles need a number-addressed video SegmentTemplate with a fixed duration; manifest served without them');
        return;
      }
      const run = state.run;
      if (run !== undefined && continuesRun(run.timeline, timeline)) {
        // The same run's names, whatever else this manifest says.
        run.timeline = { ...timeline, runKey: run.timeline.runKey, availabilityStartTime: run.timeline.availabilityStartTime };
      } else {
        this.#startRun(stream, state, timeline);
      }
      const current = state.run!.timeline;
      addTextAdaptationSets(mpd, current, [...state.tracks.values()].map((track) => this.#entry(current, track)));
    };
  }

  /**
   * Begins text segments for video segments that started, writes those
   * whose video segment completed. Runs every `pollInterval`; exposed for
   * tests.
   */
  tick(now = performance.now()): void {
    for (const [name, state] of this.#streams) {
      try {
        this.#tickStream(name, state, now);
      } catch (error) {
        // The stream is at a memory bound of the store: its text segments wait (the video's are refused too).
        if (!(error instanceof StoreLimitError)) throw error;
        if (now - (state.limitLoggedAt ?? -Infinity) >= 10_000) {
          state.limitLoggedAt = now;
          this.#logger.warn({ stream: name, bound: error.bound, limit: error.limit }, 'subtitle segment refused by the store');
        }
      }
    }
  }

  #tickStream(name: string, state: StreamState, now: number): void {
    const run = state.run;
    if (run === undefined) return;
    const live = this.#store.stream(name);
    if (live === undefined) {
      // The store dropped the stream (idle): its segments are gone.
      this.#endRun(name, state);
      return;
    }
    const videoName = (number: number): string | undefined =>
      expandTemplate(run.timeline.media, { representationId: run.timeline.representationId, bandwidth: run.timeline.bandwidth, number });
    const videoSegment = (number: number): Segment | undefined => {
      const file = videoName(number);
      return file === undefined ? undefined : live.segment(file);
    };
    run.nextNumber ??= this.#firstNumber(run, videoSegment);
    if (run.nextNumber === undefined) return;

    for (const track of state.tracks.values()) {
      if (run.initWritten.has(track)) continue;
      const init = this.#store.beginSegment(name, this.#entry(run.timeline, track).initialization);
      init.append(wvttInitSegment({ timescale: run.timeline.timescale, language: track.info.language, header: track.header }));
      init.finish();
      run.initWritten.add(track);
    }

    for (let video = videoSegment(run.nextNumber); video !== undefined; video = videoSegment(run.nextNumber)) {
      const text = new Map<Track, Segment>();
      for (const track of state.tracks.values()) text.set(track, this.#store.beginSegment(name, this.#mediaName(run.timeline, track, run.nextNumber)));
      const start = this.#segmentStart(run.timeline, run.nextNumber);
      const written = new Map([...text.keys()].map((track) => [track, start]));
      run.open.set(run.nextNumber, { video, text, written, videoDoneAt: undefined, lastChunkAt: now });
      run.nextNumber += 1;
    }

    for (const [number, open] of run.open) {
      const end = this.#segmentStart(run.timeline, number) + run.timeline.duration;
      if (open.video.state === 'uploading' && videoSegment(number + 1) === undefined) {
        if (now - open.lastChunkAt < this.#chunkInterval) continue;
        open.lastChunkAt = now;
        // Where the video has got: its segment started uploading with the
        // frame at the segment's start, and a live encoder runs at real time.
        const reached = this.#segmentStart(run.timeline, number) + Math.round(((now - open.video.startedAt - this.#cueGrace) / 1000) * run.timeline.timescale);
        this.#write(run, open, Math.min(end, reached), false);
        continue;
      }
      if (open.video.state === 'aborted') {
        for (const segment of open.text.values()) segment.abort();
        run.open.delete(number);
        continue;
      }
      open.videoDoneAt ??= now;
      if (now - open.videoDoneAt < this.#cueGrace) continue;
      this.#write(run, open, end, true);
      run.open.delete(number);
    }
  }

  /** Stops packaging; open text segments are aborted. */
  close(): void {
    clearInterval(this.#timer);
    for (const [name, state] of this.#streams) this.#endRun(name, state);
    this.#streams.clear();
  }

  #state(stream: string): StreamState {
    let state = this.#streams.get(stream);
    if (state === undefined) {
      state = { tracks: new Map(), run: undefined };
      this.#streams.set(stream, state);
    }
    return state;
  }

  #entry(timeline: VideoTimeline, track: Track): TextTrackEntry {
    const base = `subs-${timeline.runKey}-${track.info.id}`;
    return {
      representationId: `subs-${track.info.id}`,
      language: track.info.language,
      label: track.info.label,
      initialization: `${base}-init.m4s`,
      media: `${base}-$Number%05d$.m4s`,
    };
  }

  #mediaName(timeline: VideoTimeline, track: Track, number: number): string {
    return `subs-${timeline.runKey}-${track.info.id}-${pad(number)}.m4s`;
  }

  #startRun(stream: string, state: StreamState, timeline: VideoTimeline): void {
    this.#endRun(stream, state);
    state.run = { timeline, nextNumber: undefined, open: new Map(), initWritten: new Set(), sequence: new Map(), writtenUntil: new Map() };
    this.#logger.info({ stream, run: timeline.runKey, tracks: [...state.tracks.keys()] }, 'subtitles follow a new publisher run');
  }

  /** Forgets the current run: open text segments are aborted, input tracks whose upload ended are dropped. */
  #endRun(stream: string, state: StreamState): void {
    if (state.run !== undefined) for (const open of state.run.open.values()) for (const segment of open.text.values()) segment.abort();
    state.run = undefined;
    for (const [id, track] of state.tracks) {
      if (track.kind === 'input' && !track.uploading) {
        state.tracks.delete(id);
        this.#logger.info({ stream, track: id }, 'subtitle track removed: its upload ended with the previous run');
      }
    }
  }

  /**
   * Where text starts in a run: a few numbers before the newest video
   * segment present (players joining now ask for those), found by probing
   * around the number the wall clock suggests.
   */
  #firstNumber(run: Run, videoSegment: (number: number) => Segment | undefined): number | undefined {
    const { startNumber, duration, timescale, availabilityStartTime } = run.timeline;
    const elapsed = availabilityStartTime === undefined ? 0 : Math.max(0, (Date.now() - availabilityStartTime) / 1000);
    const estimate = startNumber + Math.floor(elapsed / (duration / timescale));
    let newest: number | undefined;
    // Around the estimate, and from the start in case the clock says nothing useful (a static MPD, a skewed publisher).
    for (const from of [Math.max(startNumber, estimate - 20), startNumber]) {
      for (let number = from; number <= from + 25; number += 1) {
        if (videoSegment(number) !== undefined) newest = Math.max(newest ?? number, number);
      }
      if (newest !== undefined) break;
    }
    if (newest === undefined) return undefined;
    let first = newest;
    while (first > startNumber && newest - first + 1 < this.#backfill && videoSegment(first - 1) !== undefined) first -= 1;
    return first;
  }

  #segmentStart(timeline: VideoTimeline, number: number): number {
    return timeline.presentationTimeOffset + (number - timeline.startNumber) * timeline.duration;
  }

  /**
   * Writes each text segment of `open` up to `until` (ticks) as one CMAF
   * chunk; with `final`, to its end, and finishes it. Short of the end, a
   * chunk is only written when a cue shows in it: empty stretches wait for
   * the next cue or the end, so a quiet track costs one chunk a segment.
   */
  #write(run: Run, open: OpenNumber, until: number, final: boolean): void {
    const { timescale, presentationTimeOffset } = run.timeline;
    for (const [track, segment] of open.text) {
      const from = open.written.get(track)!;
      if (segment.state !== 'uploading' || until <= from) {
        if (final && segment.state === 'uploading') segment.finish();
        continue;
      }
      const samples = segmentSamples(track.cues, { start: from, end: until, timescale, presentationTimeOffset });
      if (!final && samples.every((sample) => sample.cues.length === 0)) continue;
      const sequenceNumber = (run.sequence.get(track) ?? 0) + 1;
      run.sequence.set(track, sequenceNumber);
      segment.append(wvttMediaSegment({ sequenceNumber, baseMediaDecodeTime: from, samples }));
      open.written.set(track, until);
      run.writtenUntil.set(track, Math.max(run.writtenUntil.get(track) ?? 0, until));
      if (!final) continue;
      segment.finish();
      // Live cues that ended before the next segment are not needed again.
      if (track.kind === 'input') {
        const next = (until - presentationTimeOffset) / timescale;
        track.cues = track.cues.filter((cue) => cue.end > next);
      }
    }
  }

  #addCues(stream: string, track: Track, cues: readonly SubtitleCue[], log: Logger): void {
    track.cues.push(...cues);
    if (track.cues.length > MAX_LIVE_CUES) {
      // Cues no segment has taken (no manifest yet, or a publisher sending
      // far ahead): keep memory bounded, drop the oldest.
      log.warn({ dropped: track.cues.length - MAX_LIVE_CUES }, 'too many subtitle cues waiting; oldest dropped');
      track.cues.splice(0, track.cues.length - MAX_LIVE_CUES);
    }
    const run = this.#streams.get(stream)?.run;
    const writtenUntil = run?.writtenUntil.get(track);
    if (run === undefined || writtenUntil === undefined) return;
    const { timescale, presentationTimeOffset } = run.timeline;
    for (const cue of cues) {
      const late = (writtenUntil - presentationTimeOffset) / timescale - cue.start;
      // Shown from where its track was written up to, if it still lasts; or not at all.
      if (late > 0) log.debug({ start: cue.start, late }, 'subtitle cue arrived after its time was written');
    }
  }
}

function continuesRun(current: VideoTimeline, next: VideoTimeline): boolean {
  return (
    next.representationId === current.representationId &&
    next.media === current.media &&
    next.timescale === current.timescale &&
    next.duration === current.duration &&
    next.startNumber === current.startNumber &&
    next.presentationTimeOffset === current.presentationTimeOffset &&
    (next.availabilityStartTime === undefined || next.availabilityStartTime === current.availabilityStartTime)
  );
}

function checkTrackInfo(info: SubtitleTrackInfo): void {
  if (!SUBTITLE_TRACK_ID_PATTERN.test(info.id)) throw new RangeError(`subtitle track id ${JSON.stringify(info.id)} must be 1 to 32 characters of A-Z a-z 0-9 _ -`);
  if (!LANGUAGE_PATTERN.test(info.language)) {
    throw new RangeError(`subtitle language ${JSON.stringify(info.language)} must be a language tag like en, eng or pt-BR`);
  }
  if (info.label !== undefined && (info.label.length > 200 || /[\u0000-\u001f]/.test(info.label))) {
    throw new RangeError('subtitle label must be at most 200 characters without control characters');
  }
}
