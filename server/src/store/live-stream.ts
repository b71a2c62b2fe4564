import { DEFAULT_SEGMENT_DURATION, type PreparedManifest } from '../packaging/manifest.js';
import { compileMediaTemplate, expandTemplate, type MediaNamePattern } from '../packaging/segment-template.js';
import { Segment, type SegmentHooks, type SegmentOptions } from './segment.js';
import type { HeldRequestOutcome, StreamObserver } from './store-observer.js';

/** Window and hold parameters of a stream, resolved (see SegmentStoreOptions for meaning and defaults). */
export interface LiveStreamOptions {
  holdAhead: number;
  holdTimeout: number | undefined;
  windowMargin: number;
  maxWindowSegments: number;
  maxSegmentBytes: number;
  maxStreamBytes: number;
  maxUnreferencedSegments: number;
  maxUnreferencedBytes: number;
}

/**
 * Bytes held by all streams of one store, shared by them, and the store's
 * bound on it (see SegmentStoreOptions.maxStoreBytes).
 */
export interface StoreUsage {
  bytes: number;
  readonly maxBytes: number;
}

/** A memory bound of a store: the name of its SegmentStoreOptions field. */
export type StoreBound = 'maxStreamBytes' | 'maxStoreBytes' | 'maxUnreferencedSegments' | 'maxUnreferencedBytes';

const BOUND_SUBJECT: Record<StoreBound, string> = {
  maxStreamBytes: 'the stream',
  maxStoreBytes: 'all streams together',
  maxUnreferencedSegments: 'segments no manifest references',
  maxUnreferencedBytes: 'segments no manifest references',
};

/**
 * An upload refused because it would take its stream or the store past a
 * memory bound: thrown by {@link LiveStream.beginSegment} (a new
 * unreferenced segment over `maxUnreferencedSegments`) and by
 * {@link Segment.append} (bytes over `maxUnreferencedBytes`,
 * `maxStreamBytes` or `maxStoreBytes`). The segment is out of the store
 * already and aborted; nothing else was disturbed.
 */
export class StoreLimitError extends Error {
  override readonly name = 'StoreLimitError';
  constructor(
    readonly stream: string,
    readonly segmentName: string,
    /** Which bound. */
    readonly bound: StoreBound,
    /** Its value: segments for `maxUnreferencedSegments`, else bytes. */
    readonly limit: number,
    /**
     * The upload alone is larger than the bound, so no amount of room
     * would take it (an HTTP 413 rather than 507).
     */
    readonly tooLarge = false,
  ) {
    const unit = bound === 'maxUnreferencedSegments' ? 'segments' : 'bytes';
    super(`segment ${segmentName} of stream ${stream} refused: ${BOUND_SUBJECT[bound]} may hold at most ${limit} ${unit} (${bound})`);
  }
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
  /** Segments the latest manifest does not reference (neither a media segment of a template nor an init segment). */
  unreferencedSegments: number;
  /** Bytes held by those. */
  unreferencedBytes: number;
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
  /** Bytes held by all segments of this stream. */
  #bytes = 0;
  #usage: StoreUsage;
  /** Segments the latest manifest does not reference, oldest first. */
  #unreferenced = new Set<Segment>();
  #unreferencedBytes = 0;

  /**
   * @param observer instrumentation (the origin's metrics); none by default.
   * @param usage the store's byte total, shared by its streams; by default
   *   this stream's own, unbounded.
   */
  constructor(name: string, options: LiveStreamOptions, observer?: StreamObserver, usage: StoreUsage = { bytes: 0, maxBytes: Number.POSITIVE_INFINITY }) {
    this.name = name;
    this.#options = options;
    this.#observer = observer;
    this.#usage = usage;
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

  /** Bytes held by all segments of this stream. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Starts a new upload under `name`, replacing (and aborting, if still
   * uploading) any segment of that name, and answers the requests held for it.
   * A name the latest manifest does not reference takes one of
   * `maxUnreferencedSegments`; the oldest settled such segments make room
   * for it if needed. Each chunk appended later is checked against the
   * byte bounds (see {@link StoreLimitError}).
   * @throws StoreLimitError (`maxUnreferencedSegments`) if unreferenced
   *   uploads in progress alone fill that bound.
   */
  beginSegment(name: string): Segment {
    this.#lastIngestAt = performance.now();
    const previous = this.#segments.get(name);
    if (previous !== undefined) {
      previous.abort();
      this.#remove(previous);
    }
    const referenced = this.#isReferenced(name);
    if (!referenced) {
      const { maxUnreferencedSegments } = this.#options;
      const room = this.#settledUnreferenced(maxUnreferencedSegments - 1, Number.POSITIVE_INFINITY);
      if (!room.enough) throw new StoreLimitError(this.name, name, 'maxUnreferencedSegments', maxUnreferencedSegments);
      for (const victim of room.victims) this.#remove(victim);
    }
    const meter: IngestMeter = { rendition: this.#observer === undefined ? undefined : this.#renditionOf(name) };
    const segment: Segment = new Segment(name, {
      maxBytes: this.#options.maxSegmentBytes,
      hooks: this.#hooksFor(meter),
      reserve: (bytes) => this.#reserve(segment, bytes),
    });
    if (this.#observer !== undefined && meter.rendition === undefined) this.#unattributed.set(segment, meter);
    this.#segments.set(name, segment);
    if (!referenced) this.#unreferenced.add(segment);
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
    this.#unreferenced.clear();
    this.#unreferencedBytes = 0;
    for (const segment of this.#segments.values()) {
      if (this.#isReferenced(segment.name)) continue;
      this.#unreferenced.add(segment);
      this.#unreferencedBytes += segment.byteLength;
    }
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
      return this.#remove(segment);
    }
    return this.#manifests.delete(name);
  }

  /**
   * The init segment of the representation a media segment `name` belongs
   * to, per the latest manifest, if it is in the store.
   */
  initSegmentOf(name: string): Segment | undefined {
    const representation = this.#layout.patterns.find((p) => p.match(name) !== undefined)?.representationId;
    if (representation === undefined) return undefined;
    for (const [initName, id] of this.#layout.initNames) if (id === representation) return this.#segments.get(initName);
    return undefined;
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
    return this.#remove(segment);
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
   * window's duration, or sooner, oldest first, while there are more of
   * those than `maxUnreferencedSegments` or `maxUnreferencedBytes` allow
   * (a new manifest can make many segments unreferenced at once). Uploads
   * in progress are never evicted here.
   */
  evict(now = performance.now()): void {
    const { patterns, windowSegments, segmentDuration } = this.#layout;
    const newest = new Map<MediaNamePattern, number>();
    const numbered: Array<[Segment, MediaNamePattern, number]> = [];
    for (const segment of this.#segments.values()) {
      if (this.#unreferenced.has(segment)) continue;
      const pattern = patterns.find((p) => p.match(segment.name) !== undefined);
      // An init segment of the latest manifest.
      if (pattern === undefined) continue;
      const number = pattern.match(segment.name)!;
      numbered.push([segment, pattern, number]);
      newest.set(pattern, Math.max(number, newest.get(pattern) ?? number));
    }
    for (const [segment, pattern, number] of numbered) {
      if (segment.state !== 'uploading' && number <= newest.get(pattern)! - windowSegments) this.#remove(segment);
    }
    const retention = windowSegments * segmentDuration * 1000;
    for (const segment of [...this.#unreferenced]) {
      if (segment.settledAt !== undefined && now - segment.settledAt > retention) this.#remove(segment);
    }
    const { maxUnreferencedSegments, maxUnreferencedBytes } = this.#options;
    for (const victim of this.#settledUnreferenced(maxUnreferencedSegments, maxUnreferencedBytes).victims) this.#remove(victim);
  }

  /**
   * Aborts uploads in progress, answers held requests with nothing and
   * tells the observer the stream is gone.
   */
  close(): void {
    // Ingest not attributed yet stays so: the observer forgets the stream.
    this.#unattributed.clear();
    for (const segment of [...this.#segments.values()]) {
      segment.abort();
      this.#remove(segment);
    }
    for (const held of [...this.#held.values()]) for (const answer of [...held]) answer(undefined, 'cancelled');
    this.#observer?.dropped();
  }

  /** Counters for `/healthz`. */
  stats(now = performance.now()): LiveStreamStats {
    let uploading = 0;
    let liveReaders = 0;
    for (const segment of this.#segments.values()) {
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
      bytes: this.#bytes,
      unreferencedSegments: this.#unreferenced.size,
      unreferencedBytes: this.#unreferencedBytes,
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

  /**
   * Takes `segment` out of the store and out of every byte account: the one
   * way a segment leaves. Aborting it, if needed, is the caller's part.
   * @returns whether it was stored.
   */
  #remove(segment: Segment): boolean {
    if (this.#segments.get(segment.name) !== segment) return false;
    this.#segments.delete(segment.name);
    this.#bytes -= segment.byteLength;
    this.#usage.bytes -= segment.byteLength;
    if (this.#unreferenced.delete(segment)) this.#unreferencedBytes -= segment.byteLength;
    this.#forget(segment);
    return true;
  }

  /**
   * Accounts a chunk of `bytes` about to be appended to `segment` (its
   * {@link SegmentOptions.reserve}). An unreferenced segment over
   * `maxUnreferencedBytes` first has the oldest settled unreferenced
   * segments make room; the stream and store bounds only refuse.
   * @throws StoreLimitError when there is no room; `segment` is then out of
   *   the store (the segment aborts itself with the error) and nothing else
   *   has changed.
   */
  #reserve(segment: Segment, bytes: number): void {
    // Out of the store already (replaced, deleted): it holds no room here.
    if (this.#segments.get(segment.name) !== segment) return;
    const { maxUnreferencedBytes, maxStreamBytes } = this.#options;
    const unreferenced = this.#unreferenced.has(segment);
    const grown = segment.byteLength + bytes;
    let victims: Segment[] = [];
    let freed = 0;
    if (unreferenced && this.#unreferencedBytes + bytes > maxUnreferencedBytes) {
      const room = this.#settledUnreferenced(Number.POSITIVE_INFINITY, maxUnreferencedBytes - bytes);
      if (!room.enough) this.#refuse(segment, 'maxUnreferencedBytes', maxUnreferencedBytes, grown);
      victims = room.victims;
      for (const victim of victims) freed += victim.byteLength;
    }
    if (this.#bytes - freed + bytes > maxStreamBytes) this.#refuse(segment, 'maxStreamBytes', maxStreamBytes, grown);
    if (this.#usage.bytes - freed + bytes > this.#usage.maxBytes) this.#refuse(segment, 'maxStoreBytes', this.#usage.maxBytes, grown);
    for (const victim of victims) this.#remove(victim);
    this.#bytes += bytes;
    this.#usage.bytes += bytes;
    if (unreferenced) this.#unreferencedBytes += bytes;
  }

  /** Drops `segment` (its bytes so far stop counting) and throws why. */
  #refuse(segment: Segment, bound: StoreBound, limit: number, grown: number): never {
    this.#remove(segment);
    throw new StoreLimitError(this.name, segment.name, bound, limit, grown > limit);
  }

  /**
   * The oldest settled unreferenced segments whose removal brings the
   * unreferenced segments to at most `count` segments and `bytes` bytes, or
   * every settled one if that is not `enough`. Removes nothing itself.
   */
  #settledUnreferenced(count: number, bytes: number): { victims: Segment[]; enough: boolean } {
    let left = this.#unreferenced.size;
    let leftBytes = this.#unreferencedBytes;
    const victims: Segment[] = [];
    for (const segment of this.#unreferenced) {
      if (left <= count && leftBytes <= bytes) break;
      if (segment.state === 'uploading') continue;
      victims.push(segment);
      left -= 1;
      leftBytes -= segment.byteLength;
    }
    return { victims, enough: left <= count && leftBytes <= bytes };
  }

  /** Whether the latest manifest references the file `name`: a media segment of one of its templates, or an init segment. */
  #isReferenced(name: string): boolean {
    return this.#layout.initNames.has(name) || this.#layout.patterns.some((p) => p.match(name) !== undefined);
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
