import { randomUUID } from 'node:crypto';
import { DOMParser, XMLSerializer, onErrorStopParsing, type Element } from '@xmldom/xmldom';

/** MPD namespace of ISO/IEC 23009-1. */
export const DASH_NAMESPACE = 'urn:mpeg:dash:schema:mpd:2011';

/**
 * UTCTiming scheme the origin's `/time` answers: an `xs:dateTime` body
 * (ISO/IEC 23009-1, 5.8.5.7); `/time` sends ISO 8601 UTC with milliseconds,
 * which is one.
 */
export const UTC_TIMING_SCHEME = 'urn:mpeg:dash:utc:http-xsdate:2014';

/** Segment duration assumed when a manifest does not state one, seconds. */
export const DEFAULT_SEGMENT_DURATION = 1;

/** The manifest could not be used (not XML, or not an MPD). */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** What the origin needs to know about one Representation of a manifest. */
export interface RepresentationInfo {
  /** Representation@id. */
  id: string;
  /** Representation@bandwidth, bits/s. */
  bandwidth: number | undefined;
  /** Effective SegmentTemplate@media (inherited from AdaptationSet or Period if absent). */
  media: string | undefined;
  /** Effective SegmentTemplate@initialization. */
  initialization: string | undefined;
  /** Effective SegmentTemplate@startNumber. @defaultValue 1 */
  startNumber: number;
  /** SegmentTemplate@duration / @timescale in seconds, if the template states a fixed duration. */
  segmentDuration: number | undefined;
}

/** Timing and addressing facts read from a manifest. */
export interface ManifestInfo {
  /** MPD@type. */
  type: 'static' | 'dynamic';
  /**
   * Nominal segment duration in seconds: the largest fixed SegmentTemplate
   * duration, else MPD@maxSegmentDuration, else {@link DEFAULT_SEGMENT_DURATION}.
   */
  segmentDuration: number;
  /** MPD@timeShiftBufferDepth in seconds; undefined when absent (unbounded). */
  timeShiftBufferDepth: number | undefined;
  /** Every Representation of every Period, in document order. */
  representations: RepresentationInfo[];
}

/**
 * A manifest parsed and fixed up once, ready to be served many times.
 * Everything that depends on the request (the origin's own absolute URL) is
 * substituted in {@link PreparedManifest.render}, which is string
 * concatenation only.
 */
export interface PreparedManifest {
  readonly info: ManifestInfo;
  /**
   * The served document with every UTCTiming pointing at `timeUrl`
   * (absolute URL of the origin's `/time`).
   */
  render(timeUrl: string): string;
}

/**
 * Parses an ISO 8601 duration as used by MPD attributes (`PT1.5S`,
 * `PT2M`, `P1DT0H`), in seconds. Years and months have no fixed length
 * and are rejected.
 * @returns undefined for anything else.
 */
export function parseDuration(value: string | null | undefined): number | undefined {
  if (value == null) return undefined;
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
    value.trim(),
  );
  if (match === null || value.trim() === 'P' || value.trim().endsWith('T')) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(days) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds);
}

function childElements(parent: Element, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE && (node as Element).localName === localName) found.push(node as Element);
  }
  return found;
}

function positiveNumber(value: string | null | undefined): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : undefined;
}

/** SegmentTemplate attributes inherit from AdaptationSet and Period (ISO/IEC 23009-1, 5.3.9.1). */
function readRepresentation(representation: Element): RepresentationInfo {
  const adaptationSet = representation.parentNode as Element;
  const period = adaptationSet.parentNode as Element;
  const templates = [representation, adaptationSet, period].flatMap((level) => childElements(level, 'SegmentTemplate'));
  const inherited = (attribute: string): string | undefined =>
    templates.find((template) => template.hasAttribute(attribute))?.getAttribute(attribute) ?? undefined;
  const duration = positiveNumber(inherited('duration'));
  const timescale = positiveNumber(inherited('timescale')) ?? 1;
  const hasTimeline = templates.some((template) => childElements(template, 'SegmentTimeline').length > 0);
  return {
    id: representation.getAttribute('id') ?? '',
    bandwidth: positiveNumber(representation.getAttribute('bandwidth')),
    media: inherited('media'),
    initialization: inherited('initialization'),
    startNumber: Number(inherited('startNumber') ?? 1),
    segmentDuration: duration !== undefined && !hasTimeline ? duration / timescale : undefined,
  };
}

function xmlAttributeEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/**
 * Parses an MPD as pushed by the publisher (ffmpeg's dash muxer) and
 * applies the origin's fix-ups:
 *
 * - every UTCTiming, at MPD level and inside ProducerReferenceTime, uses
 *   {@link UTC_TIMING_SCHEME} and points at the origin's `/time` (whatever
 *   the publisher wrote there, it cannot know the URL viewers reach the
 *   origin by); an MPD without a top-level UTCTiming gets one, in the place
 *   the schema puts it (before LeapSecondInformation, else last).
 *
 * The result still validates against the DASH MPD schema if the input did.
 * @throws ManifestError if `xml` is not well-formed or its root is not an MPD.
 */
export function prepareManifest(xml: string): PreparedManifest {
  let document;
  try {
    document = new DOMParser({ onError: onErrorStopParsing }).parseFromString(xml, 'text/xml');
  } catch (error) {
    throw new ManifestError(`manifest is not well-formed XML: ${(error as Error).message}`);
  }
  const mpd = document.documentElement;
  if (mpd === null || mpd.localName !== 'MPD' || mpd.namespaceURI !== DASH_NAMESPACE) {
    throw new ManifestError(`manifest root must be an MPD element in namespace ${DASH_NAMESPACE}`);
  }

  // A token that cannot occur in the document; replaced per request.
  const placeholder = `urn:llstream:time-url:${randomUUID()}`;
  const timings = [...mpd.getElementsByTagNameNS(DASH_NAMESPACE, 'UTCTiming')];
  if (!timings.some((timing) => timing.parentNode === mpd)) {
    const timing = document.createElementNS(DASH_NAMESPACE, mpd.prefix ? `${mpd.prefix}:UTCTiming` : 'UTCTiming');
    mpd.insertBefore(timing, childElements(mpd, 'LeapSecondInformation')[0] ?? null);
    timings.push(timing);
  }
  for (const timing of timings) {
    timing.setAttribute('schemeIdUri', UTC_TIMING_SCHEME);
    timing.setAttribute('value', placeholder);
  }

  const representations = [...mpd.getElementsByTagNameNS(DASH_NAMESPACE, 'Representation')].map(readRepresentation);
  const fixedDurations = representations.flatMap((r) => (r.segmentDuration === undefined ? [] : [r.segmentDuration]));
  const maxSegmentDuration = parseDuration(mpd.getAttribute('maxSegmentDuration'));
  const info: ManifestInfo = {
    type: mpd.getAttribute('type') === 'dynamic' ? 'dynamic' : 'static',
    segmentDuration:
      fixedDurations.length > 0
        ? Math.max(...fixedDurations)
        : maxSegmentDuration !== undefined && maxSegmentDuration > 0
          ? maxSegmentDuration
          : DEFAULT_SEGMENT_DURATION,
    timeShiftBufferDepth: parseDuration(mpd.getAttribute('timeShiftBufferDepth')),
    representations,
  };

  const parts = new XMLSerializer().serializeToString(document).split(placeholder);
  return {
    info,
    render: (timeUrl) => parts.join(xmlAttributeEscape(timeUrl)),
  };
}
