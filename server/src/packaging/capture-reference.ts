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
 * `n` counts the frames the filter saw, `pts` is the capture time in ms
 * (the test pattern's timebase is 1/1000 there, pts = RTCTIME/1000).
 */
const SHOWINFO_LINE = new RegExp(`^\\[showinfo@${CAPTURE_FILTER_NAME} @ [^\\]]+\\] (?:\\[info\\] )?n:\\s*(\\d+) pts:\\s*(\\d+) `);

/**
 * Reads a capture reference from one of ffmpeg's stderr lines.
 * @param everyFrames the filter sees one frame in this many (`select=not(mod(n,everyFrames))`)
 * @param frameRate output frames per second: frame k is at presentation time k / frameRate
 * @returns undefined for any other line
 */
export function parseCaptureLine(line: string, everyFrames: number, frameRate: number): CaptureReference | undefined {
  const match = SHOWINFO_LINE.exec(line);
  if (match === null) return undefined;
  const frame = Number(match[1]) * everyFrames;
  return { mediaTime: frame / frameRate, captureTime: Number(match[2]) };
}

/**
 * A stream's capture clock: the reports of one ffmpeg run, smoothed.
 *
 * Each report relates one frame's presentation time to the time it entered
 * the pipeline. On an idle machine that relation is fixed (ffmpeg reads the
 * test pattern at its native rate, `-re`); on a busy one ffmpeg falls
 * behind for a moment and then reads faster to catch up, so single frames
 * enter up to a second late (seen with four test suites running beside
 * it). The reference served is the median relation of the last
 * `historySize` reports: steady through such hiccups, and caught up with a
 * lasting change (a new ffmpeg run is a {@link reset}) within half as many
 * reports.
 */
export class CaptureClock {
  readonly #historySize: number;
  /** captureTime - mediaTime * 1000 of recent reports, ms, oldest first. */
  #offsets: number[] = [];
  #latest: CaptureReference | undefined;

  /** @param historySize - reports the median is taken over. @defaultValue 9 (9 s with one report a second) */
  constructor(historySize = 9) {
    this.#historySize = historySize;
  }

  /** Adds a report of the current ffmpeg run. */
  add(reference: CaptureReference): void {
    this.#latest = reference;
    this.#offsets.push(reference.captureTime - reference.mediaTime * 1000);
    if (this.#offsets.length > this.#historySize) this.#offsets.shift();
  }

  /** Forgets every report (a new ffmpeg run has a new timeline). */
  reset(): void {
    this.#offsets = [];
    this.#latest = undefined;
  }

  /** The latest report's frame with the median relation; undefined before the first report. */
  get reference(): CaptureReference | undefined {
    if (this.#latest === undefined) return undefined;
    const sorted = [...this.#offsets].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return { mediaTime: this.#latest.mediaTime, captureTime: Math.round(median + this.#latest.mediaTime * 1000) };
  }
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
 */
export function captureReferenceFixup(reference: () => CaptureReference | undefined): ManifestFixup {
  return (mpd: Element) => {
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
