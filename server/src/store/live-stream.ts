import { DEFAULT_SEGMENT_DURATION, type PreparedManifest } from '../packaging/manifest.js';
import { compileMediaTemplate, expandTemplate, type MediaNamePattern } from '../packaging/segment-template.js';
import { Segment, type SegmentHooks } from './segment.js';
import type { HeldRequestOutcome, StreamObserver } from './store-observer.js';

/** Window and hold parameters of a stream, resolved (see SegmentStoreOptions for meaning and defaults). */
export interface LiveStreamOptions {
  holdAhead: number;
  holdTimeout: number | undefined;
  windowMargin: number;
  maxWindowSegments: number;
  maxSegmentBytes: number;
}

/** Snapshot of one stream for health reporting. */
export interface LiveStreamStats {
  name: string;
  /** Manifest file names currently served. */
  manifests: string[];
  /** Init and media segments in memory. */
  segments: number;
  /** Of those, still uploading. */
  uploading: number;
  /** Bytes held by all segments. */
  bytes: number;
  /** Readers following an upload right now. */
  liveReaders: number;
  /** Segment responses being sent right now (following an upload or not). */
  openReaders: number;
  /** Requests held for a segment that is about to exist. */
  heldRequests: number;
  /** Segment duration the hold and window rules use, seconds. */
  segmentDuration: number;
  /** Media segments kept per representation. */
  windowSegments: number;
  /** Seconds since the publisher last sent anything. */
  idleSeconds: number;
}

/** What the latest manifest says about names and timing. */
interface StreamLayout {
  segmentDuration: number;
  windowSegments: number;
  patterns: MediaNamePattern[];
  /** Init segment name -> Representation@id. */
  initNames: Map<string, string>;
}

type HeldRequest = (segment: Segment | undefined, outcome: HeldRequestOutcome) => void;

/** Which rendition a segment's ingest counts toward; undefined until known. */
interface IngestMeter {
  rendition: string | undefined;
}

/** Rendition label of ingest whose file name no manifest maps to a representation. */
const UNKNOWN_RENDITION = 'unknown';

/**
 * Default hold, in segment durations. A request for the next segment made
 * just as the current one starts waits one segment duration plus the
 * encoder's jitter (measured with the test source: uploads start up to
 * ~30 ms late), so exactly one duration would turn some of them into 404s.
 */
const HOLD_TIMEOUT_SEGMENTS = 1.5;

/**
 * One published stream: its manifests and segments, the requests held for
 * segments about to exist, and its sliding window.
 *
 * Which names are media segments of which representation, the segment
 * duration and the window length all come from the latest manifest
 * (SegmentTemplate@media, @duration/@timescale, MPD@timeShiftBufferDepth),
 * so the rules work for any publisher that writes number-addressed
 * templates, not only for this origin's own ffmpeg naming.
 */
export class LiveStream {
  /** Stream name (the `{stream}` path segment). */
  readonly name: string;

  #options: LiveStreamOptions;
  #segments = new Map<string, Segment>();
  #manifests = new Map<string, PreparedManifest>();
  #layout: StreamLayout;
  #held = new Map<string, Set<HeldRequest>>();
  #lastIngestAt = performance.now();
  #observer: StreamObserver | undefined;
  #openReaders = 0;
  /**
   * Segments started since the latest manifest whose names it does not map
   * to a representation (ffmpeg uploads init segments and the first media
   * segments before its first manifest). Their ingest is counted when the
   * next manifest arrives, or as `unknown` when they leave the store first.
   */
  #unattributed = new Map<Segment, IngestMeter>();

  /**
   * @param observer instrumentation (the origin's metrics); none by default.
   */
  constructor(name: string, options: LiveStreamOptions, observer?: StreamObserver) {
    this.name = name;
    this.#options = options;
    this.#observer = observer;
    this.#layout = {
      segmentDuration: DEFAULT_SEGMENT_DURATION,
      windowSegments: options.maxWindowSegments,
      patterns: [],
      initNames: new Map(),
    };
  }

  /** Nominal segment duration from the latest manifest, seconds (1 until one arrives). */
  get segmentDuration(): number {
    return this.#layout.segmentDuration;
  }

  /** Last time the publisher did anything (request or bytes), `performance.now()` ms. */
  get lastIngestAt(): number {
    let latest = this.#lastIngestAt;
    for (const segment of this.#segments.values()) {
      if (segment.state === 'uploading' && segment.lastWriteAt > latest) latest = segment.lastWriteAt;
    }
    return latest;
  }

  /** The segment stored under `name`, in any state. */
  segment(name: string): Segment | undefined {
    return this.#segments.get(name);
  }

  /** The manifest stored under `name` (e.g. `manifest.mpd`). */
  manifest(name: string): PreparedManifest | undefined {
    return this.#manifests.get(name);
  }

  /**
   * Starts a new upload under `name`, replacing (and aborting, if still
   * uploading) any segment of that name, and answers the requests held for it.
   */
  beginSegment(name: string): Segment {
    this.#lastIngestAt = performance.now();
    const previous = this.#segments.get(name);
    if (previous !== undefined) {
      previous.abort();
      this.#forget(previous);
    }
    const meter: IngestMeter = { rendition: this.#observer === undefined ? undefined : this.#renditionOf(name) };
    const segment = new Segment(name, { maxBytes: this.#options.maxSegmentBytes, hooks: this.#hooksFor(meter) });
    if (this.#observer !== undefined && meter.rendition === undefined) this.#unattributed.set(segment, meter);
    this.#segments.set(name, segment);
    const held = this.#held.get(name);
    if (held !== undefined) for (const answer of [...held]) answer(segment, 'served');
    this.evict();
    return segment;
  }

  /**
   * Swaps in a fixed-up manifest in one assignment, so a reader gets either
   * the previous document or this one, and re-reads the stream's layout.
   */
  putManifest(name: string, manifest: PreparedManifest): void {
    this.#lastIngestAt = performance.now();
    this.#manifests.set(name, manifest);
    this.#layout = this.#readLayout(manifest);
    for (const [segment, meter] of this.#unattributed) this.#attribute(segment, meter, this.#renditionOf(segment.name));
    this.#unattributed.clear();
    this.evict();
  }

  /**
   * Removes a segment or manifest (the publisher's DELETE). A segment still
   * uploading is aborted, so its readers are not left waiting.
   * @returns whether something was removed.
   */
  delete(name: string): boolean {
    this.#lastIngestAt = performance.now();
    const segment = this.#segments.get(name);
    if (segment !== undefined) {
      segment.abort();
      this.#forget(segment);
      this.#segments.delete(name);
      return true;
    }
    return this.#manifests.delete(name);
  }

  /**
   * The name of the media segment that follows `name` in its representation
   * (its SegmentTemplate@media with the number plus one), whether or not it
   * exists yet.
   * @returns undefined if `name` is no media segment of the latest manifest
   *   (an init segment, an unknown name, a template without `$Number$`).
   */
  nextSegmentName(name: string): string | undefined {
    for (const pattern of this.#layout.patterns) {
      const number = pattern.match(name);
      if (number !== undefined) return pattern.nameOf(number + 1);
    }
    return undefined;
  }

  /**
   * Removes `segment` if it is still the one stored under its name (an
   * upload the origin refused midway: too large, stalled), aborting it if
   * it is still uploading: later requests get 404, not a partial segment.
   * @returns whether it was removed.
   */
  discard(segment: Segment): boolean {
    segment.abort();
    if (this.#segments.get(segment.name) !== segment) return false;
    this.#forget(segment);
    this.#segments.delete(segment.name);
    return true;
  }

  /**
   * The segment `name`, waiting for its upload to start if it is about to
   * exist: a media segment of a representation in the latest manifest whose
   * number is at most `holdAhead` past the newest one started. The wait ends
   * after `holdTimeout` (default: 1.5 segment durations), when `signal`
   * aborts, or when the stream closes.
   * @returns undefined if the segment does not exist and is not about to,
   *   or did not start in time.
   */
  waitForSegment(name: string, signal?: AbortSignal): Promise<Segment | undefined> {
    const existing = this.#segments.get(name);
    if (existing !== undefined) return Promise.resolve(existing);
    if (signal?.aborted || !this.#isAboutToExist(name)) return Promise.resolve(undefined);

    return new Promise((resolve) => {
      let held = this.#held.get(name);
      if (held === undefined) {
        held = new Set();
        this.#held.set(name, held);
      }
      const heldRequests = held;
      const answer: HeldRequest = (segment, outcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        heldRequests.delete(answer);
        if (heldRequests.size === 0) this.#held.delete(name);
        this.#observer?.heldRequestEnded(outcome);
        resolve(segment);
      };
      const onAbort = (): void => answer(undefined, 'cancelled');
      const timer = setTimeout(
        () => answer(undefined, 'timeout'),
        this.#options.holdTimeout ?? this.#layout.segmentDuration * HOLD_TIMEOUT_SEGMENTS * 1000,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      heldRequests.add(answer);
    });
  }

  /**
   * Applies the sliding window: per representation, keeps the newest
   * `windowSegments` media segments by number; init segments the latest
   * manifest references stay; anything else (a previous publisher run,
   * names no template produces) goes once it has been settled for the
   * window's duration. Uploads in progress are never evicted here.
   */
  evict(now = performance.now()): void {
    const { patterns, initNames, windowSegments, segmentDuration } = this.#layout;
    const newest = new Map<MediaNamePattern, number>();
    const numbered: Array<[Segment, MediaNamePattern, number]> = [];
    const unreferenced: Segment[] = [];
    for (const segment of this.#segments.values()) {
      const pattern = patterns.find((p) => p.match(segment.name) !== undefined);
      if (pattern === undefined) {
        if (!initNames.has(segment.name)) unreferenced.push(segment);
        continue;
      }
      const number = pattern.match(segment.name)!;
      numbered.push([segment, pattern, number]);
      newest.set(pattern, Math.max(number, newest.get(pattern) ?? number));
    }
    for (const [segment, pattern, number] of numbered) {
      if (segment.state !== 'uploading' && number <= newest.get(pattern)! - windowSegments) {
        this.#segments.delete(segment.name);
      }
    }
    const retention = windowSegments * segmentDuration * 1000;
    for (const segment of unreferenced) {
      if (segment.settledAt !== undefined && now - segment.settledAt > retention) {
        this.#forget(segment);
        this.#segments.delete(segment.name);
      }
    }
  }

  /**
   * Aborts uploads in progress, answers held requests with nothing and
   * tells the observer the stream is gone.
   */
  close(): void {
    for (const segment of this.#segments.values()) segment.abort();
    for (const held of [...this.#held.values()]) for (const answer of [...held]) answer(undefined, 'cancelled');
    this.#unattributed.clear();
    this.#observer?.dropped();
  }

  /** Counters for `/healthz`. */
  stats(now = performance.now()): LiveStreamStats {
    let bytes = 0;
    let uploading = 0;
    let liveReaders = 0;
    for (const segment of this.#segments.values()) {
      bytes += segment.byteLength;
      if (segment.state === 'uploading') uploading += 1;
      liveReaders += segment.liveReaderCount;
    }
    let heldRequests = 0;
    for (const held of this.#held.values()) heldRequests += held.size;
    return {
      name: this.name,
      manifests: [...this.#manifests.keys()],
      segments: this.#segments.size,
      uploading,
      bytes,
      liveReaders,
      openReaders: this.#openReaders,
      heldRequests,
      segmentDuration: this.#layout.segmentDuration,
      windowSegments: this.#layout.windowSegments,
      idleSeconds: Math.max(0, (now - this.lastIngestAt) / 1000),
    };
  }

  /** Representation@id of the segment file `name` per the latest manifest. */
  #renditionOf(name: string): string | undefined {
    return this.#layout.patterns.find((p) => p.match(name) !== undefined)?.representationId ?? this.#layout.initNames.get(name);
  }

  /** Counts what `segment` received so far toward `rendition`, and its later chunks too. */
  #attribute(segment: Segment, meter: IngestMeter, rendition = UNKNOWN_RENDITION): void {
    meter.rendition = rendition;
    this.#observer?.ingested(rendition, segment.byteLength, segment.chunkCount);
  }

  /** A segment leaves the store: its ingest, if not attributed yet, counts as `unknown`. */
  #forget(segment: Segment): void {
    const meter = this.#unattributed.get(segment);
    if (meter === undefined) return;
    this.#unattributed.delete(segment);
    this.#attribute(segment, meter);
  }

  /**
   * Instrumentation of a new segment: open readers always (for `stats`),
   * ingest per `meter` and fan-out for the observer, if any.
   */
  #hooksFor(meter: IngestMeter): SegmentHooks {
    const observer = this.#observer;
    return {
      chunkIngested: (bytes) => {
        if (meter.rendition !== undefined) observer?.ingested(meter.rendition, bytes, 1);
      },
      chunkFannedOut: (delay) => observer?.chunkFannedOut(delay),
      readerOpened: () => {
        this.#openReaders += 1;
      },
      readerClosed: () => {
        this.#openReaders -= 1;
      },
    };
  }

  #isAboutToExist(name: string): boolean {
    for (const pattern of this.#layout.patterns) {
      const number = pattern.match(name);
      if (number === undefined) continue;
      let newest = pattern.startNumber - 1;
      for (const other of this.#segments.keys()) {
        const started = pattern.match(other);
        if (started !== undefined && started > newest) newest = started;
      }
      return number > newest && number <= newest + this.#options.holdAhead;
    }
    return false;
  }

  #readLayout(manifest: PreparedManifest): StreamLayout {
    const { segmentDuration, timeShiftBufferDepth, representations } = manifest.info;
    const { windowMargin, maxWindowSegments } = this.#options;
    // What a client can still address is timeShiftBufferDepth worth of
    // segments; the margin covers clients a little behind and clock skew.
    const windowSegments =
      timeShiftBufferDepth === undefined
        ? maxWindowSegments
        : Math.min(maxWindowSegments, Math.ceil(timeShiftBufferDepth / segmentDuration) + windowMargin);
    const patterns: MediaNamePattern[] = [];
    const initNames = new Map<string, string>();
    for (const representation of representations) {
      const values = { representationId: representation.id, bandwidth: representation.bandwidth };
      if (representation.media !== undefined) {
        const pattern = compileMediaTemplate(representation.media, { ...values, startNumber: representation.startNumber });
        if (pattern !== undefined) patterns.push(pattern);
      }
      if (representation.initialization !== undefined) {
        const initName = expandTemplate(representation.initialization, values);
        if (initName !== undefined) initNames.set(initName, representation.id);
      }
    }
    return { segmentDuration, windowSegments, patterns, initNames };
  }
}
