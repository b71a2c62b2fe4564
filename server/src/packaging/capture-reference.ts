import type { Element } from '@xmldom/xmldom';
import { DASH_NAMESPACE, type ManifestFixup } from './manifest.js';

/**
 * Where a stream's media timeline meets the wall clock at capture: the
 * frame at presentation time {@link mediaTime} entered the pipeline at
 * {@link captureTime}. That is what an MPD `ProducerReferenceTime` of type
 * `captured` states (ISO/IEC 23009-1, 5.12), and what players measure live
 * latency from.
 */
export interface CaptureReference {
  /** Presentation time of the frame, seconds from the start of the MPD timeline (period start 0). */
  readonly mediaTime: number;
  /** Wall-clock time the frame entered the pipeline, ms since the Unix epoch. */
  readonly captureTime: number;
}

/** Instance name of the `showinfo` filter that reports capture times (`showinfo@capture`). */
export const CAPTURE_FILTER_NAME = 'capture';

/**
 * ffmpeg's `showinfo@capture` line for a selected frame, at `-loglevel
 * level+info`: `[showinfo@capture @ 0x…] [info] n:  12 pts:1795420686988 …`.
 * `n` counts the frames (the filter sees every one), `pts` is the capture time in ms
 * (the test pattern's timebase is 1/1000 there, pts = RTCTIME/1000).
 */
const SHOWINFO_LINE = new RegExp(`^\\[showinfo@${CAPTURE_FILTER_NAME} @ [^\\]]+\\] (?:\\[info\\] )?n:\\s*(\\d+) pts:\\s*(\\d+) `);

/**
 * Reads a capture reference from one of ffmpeg's stderr lines.
 * @param frameRate output frames per second: frame n is at presentation time n / frameRate
 * @returns undefined for any other line
 */
export function parseCaptureLine(line: string, frameRate: number): CaptureReference | undefined {
  const match = SHOWINFO_LINE.exec(line);
  if (match === null) return undefined;
  return { mediaTime: Number(match[1]) / frameRate, captureTime: Number(match[2]) };
}

/** Points a {@link CaptureClock} keeps at most: 20 s of frames at 60 fps. */
const MAX_POINTS = 1200;

/**
 * A stream's capture clock for one transcoder run: for frames of the media
 * timeline, the wall-clock time each entered the pipeline, as the source
 * reported them (the test pattern: every frame, from ffmpeg's
 * `showinfo@capture`).
 *
 * Media time and capture time do not move together: when ffmpeg falls
 * behind real time (a busy machine) frames enter late while their media
 * times stay on the frame grid, and a source whose clock runs fast or slow
 * drifts. So the clock keeps the frames' own points (the last
 * {@link MAX_POINTS}) and answers per frame ({@link CaptureClock.captureAt}):
 * what the origin writes into each chunk's `prft` box, which players that
 * read them (llstream's) use for the frame on screen. For the one relation
 * an MPD can state ({@link CaptureClock.reference}, the MPD's
 * ProducerReferenceTime) it takes the median of the last `historySize`
 * points: one late frame does not move it, a lasting change does within
 * half as many frames. {@link CaptureClock.origin} is the capture time of
 * media time 0, fixed for the run: the MPD's availabilityStartTime.
 */
export class CaptureClock {
  readonly #historySize: number;
  /** Points of this run, by media time (a run's media time only grows), oldest first. */
  #points: CaptureReference[] = [];
  #origin: number | undefined;

  /** @param historySize - points the MPD's relation is the median of. @defaultValue 9 (0.3 s of frames at 30 fps) */
  constructor(historySize = 9) {
    this.#historySize = historySize;
  }

  /** Adds the point of one frame of the current run; a point not later than the newest (a repeated report) is ignored. */
  add(reference: CaptureReference): void {
    const newest = this.#points.at(-1);
    if (newest !== undefined && reference.mediaTime <= newest.mediaTime) return;
    this.#points.push(reference);
    if (this.#points.length > MAX_POINTS) this.#points.splice(0, this.#points.length - MAX_POINTS);
    if (this.#origin === undefined && this.#points.length >= this.#historySize) this.#origin = median(this.#points.map(offsetOf));
  }

  /** Forgets every point (a new transcoder run has a new timeline). */
  reset(): void {
    this.#points = [];
    this.#origin = undefined;
  }

  /** The newest frame with the median relation of the last `historySize` points; undefined before the first point. */
  get reference(): CaptureReference | undefined {
    const latest = this.#points.at(-1);
    if (latest === undefined) return undefined;
    const offset = median(this.#points.slice(-this.#historySize).map(offsetOf));
    return { mediaTime: latest.mediaTime, captureTime: Math.round(offset + latest.mediaTime * 1000) };
  }

  /**
   * Capture time of media time 0, ms since the epoch: the median relation of
   * the run's first `historySize` points, fixed for the run (an MPD's
   * availabilityStartTime may not move); undefined until there are that many.
   */
  get origin(): number | undefined {
    return this.#origin === undefined ? undefined : Math.round(this.#origin);
  }

  /**
   * Capture time of the frame at `mediaTime` (seconds), ms since the epoch:
   * its own point, else the line between the two points around it; before
   * the first or after the newest point, that point's relation. Undefined
   * before the first point.
   */
  captureAt(mediaTime: number): number | undefined {
    const points = this.#points;
    if (points.length === 0) return undefined;
    let low = 0;
    let high = points.length - 1;
    if (mediaTime <= points[0]!.mediaTime) return Math.round(offsetOf(points[0]!) + mediaTime * 1000);
    if (mediaTime >= points[high]!.mediaTime) return Math.round(offsetOf(points[high]!) + mediaTime * 1000);
    // The last point at or before mediaTime.
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if (points[middle]!.mediaTime <= mediaTime) low = middle;
      else high = middle;
    }
    const before = points[low]!;
    const after = points[high]!;
    const share = (mediaTime - before.mediaTime) / (after.mediaTime - before.mediaTime);
    return Math.round(before.captureTime + share * (after.captureTime - before.captureTime));
  }
}

/** captureTime - mediaTime of a point, ms: where the point puts media time 0. */
const offsetOf = (point: CaptureReference): number => point.captureTime - point.mediaTime * 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Representation-level ProducerReferenceTime goes before these children (RepresentationBaseType, then RepresentationType). */
const AFTER_PRFT = new Set([
  'ContentPopularityRate',
  'Resync',
  'BaseURL',
  'ExtendedBandwidth',
  'SubRepresentation',
  'SegmentBase',
  'SegmentList',
  'SegmentTemplate',
]);

function children(parent: Element, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE && (node as Element).localName === localName && (node as Element).namespaceURI === DASH_NAMESPACE) {
      found.push(node as Element);
    }
  }
  return found;
}

/** The SegmentTemplate@timescale in force for a Representation (inherited from AdaptationSet, then Period); 1 when none says. */
function timescaleOf(representation: Element): number {
  for (let level: Element | null = representation; level !== null && level.localName !== 'MPD'; level = level.parentNode as Element | null) {
    const value = Number(children(level, 'SegmentTemplate')[0]?.getAttribute('timescale'));
    if (Number.isInteger(value) && value > 0) return value;
  }
  return 1;
}

/**
 * A manifest fix-up that states the capture clock in the MPD: every
 * Representation gets a `ProducerReferenceTime` of type `captured`
 * (inband `false`, wall clock from `reference`, presentation time in its own
 * timescale), the publisher's own PRFTs are relabelled type `encoder`
 * (ffmpeg's dash muxer takes its wall clock when it writes the first
 * fragment, tens of ms after capture, yet calls it `captured`), and
 * `ServiceDescription/Latency@referenceId` points at the captured one of the
 * same Representation (else the first), so players measure latency from
 * capture. With `reference` undefined (not known yet, or a source without
 * a capture clock) the manifest is left as the publisher wrote it.
 *
 * Each new PRFT carries a copy of the MPD-level UTCTiming (the clock its
 * wall-clock time is on). Ids are new: one above the largest in the MPD.
 *
 * With `availabilityStart` (the capture time of media time 0, ms since the
 * epoch, see {@link CaptureClock.origin}), the MPD's
 * `availabilityStartTime` says it too (the live MPD's, and the same in
 * the final static one of the session, which the player must not take for
 * a new session), instead of the time the muxer wrote
 * its first output: players that steer on it (dash.js, Shaka) then measure
 * from capture as well, and the input's analysis and start-up backlog do
 * not become latency they cannot see.
 */
export function captureReferenceFixup(reference: () => CaptureReference | undefined, availabilityStart?: () => number | undefined): ManifestFixup {
  return (mpd: Element) => {
    const start = availabilityStart?.();
    // Media time 0 is at availabilityStartTime (period start 0): put it at its capture. Also in
    // the static MPD ffmpeg writes when the input ends: with its own time there, players took
    // the changed availabilityStartTime for a publisher that restarted and reloaded the ended
    // presentation (one of them was still not offline 15 s later).
    if (start !== undefined && mpd.hasAttribute('availabilityStartTime')) {
      mpd.setAttribute('availabilityStartTime', new Date(start).toISOString());
    }
    const current = reference();
    if (current === undefined) return;
    const document = mpd.ownerDocument!;
    const prefix = mpd.prefix ? `${mpd.prefix}:` : '';
    const existing = [...mpd.getElementsByTagNameNS(DASH_NAMESPACE, 'ProducerReferenceTime')];
    let nextId = Math.max(-1, ...existing.map((element) => Number(element.getAttribute('id')) || 0)) + 1;
    const utcTiming = children(mpd, 'UTCTiming')[0];
    const wallClockTime = new Date(current.captureTime).toISOString();
    const captured = new Map<string, string>();
    let first: string | undefined;

    for (const representation of [...mpd.getElementsByTagNameNS(DASH_NAMESPACE, 'Representation')]) {
      const own = children(representation, 'ProducerReferenceTime');
      for (const element of own) element.setAttribute('type', 'encoder');
      const prft = document.createElementNS(DASH_NAMESPACE, `${prefix}ProducerReferenceTime`);
      const id = String(nextId++);
      prft.setAttribute('id', id);
      prft.setAttribute('inband', 'false');
      prft.setAttribute('type', 'captured');
      prft.setAttribute('wallClockTime', wallClockTime);
      prft.setAttribute('presentationTime', String(Math.round(current.mediaTime * timescaleOf(representation))));
      if (utcTiming !== undefined) prft.appendChild(utcTiming.cloneNode(true));
      let before: Element | null = null;
      for (let node = representation.firstChild; node !== null && before === null; node = node.nextSibling) {
        if (node.nodeType === node.ELEMENT_NODE && AFTER_PRFT.has((node as Element).localName ?? '')) before = node as Element;
      }
      representation.insertBefore(prft, before);
      for (const element of own) captured.set(element.getAttribute('id') ?? '', id);
      first ??= id;
    }

    if (first === undefined) return;
    for (const description of children(mpd, 'ServiceDescription')) {
      for (const latency of children(description, 'Latency')) {
        latency.setAttribute('referenceId', captured.get(latency.getAttribute('referenceId') ?? '') ?? first);
      }
    }
  };
}
