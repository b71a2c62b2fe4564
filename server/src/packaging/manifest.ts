import { randomUUID } from 'node:crypto';
import { DOMParser, XMLSerializer, onErrorStopParsing, type Element } from '@xmldom/xmldom';
import type { LatencyConfig } from '../config/config-schema.js';

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

/**
 * A further manifest fix-up, run on the parsed MPD element after the
 * origin's own (UTCTiming, ServiceDescription) and before empty adaptation
 * sets are removed. It edits the document in place and must keep it valid
 * against the DASH MPD schema.
 */
export type ManifestFixup = (mpd: Element) => void;

/** Options of {@link prepareManifest}. */
export interface ManifestOptions {
  /**
   * Latency targets for the MPD's `ServiceDescription` (seconds, written
   * as `Latency@target/min/max` in ms, and `PlaybackRate@min/max`).
   * Without them the publisher's ServiceDescription is served as it is.
   */
  latency?: Pick<LatencyConfig, 'target' | 'min' | 'max' | 'minPlaybackRate' | 'maxPlaybackRate'>;
  /** Fix-ups of other packaging steps (e.g. a text adaptation set), in order. */
  fixups?: readonly ManifestFixup[];
}

/** Children of MPD that the schema puts after ServiceDescription (ISO/IEC 23009-1, MPDtype). */
const AFTER_SERVICE_DESCRIPTION = new Set([
  'InitializationSet',
  'InitializationGroup',
  'InitializationPresentation',
  'ContentProtection',
  'Period',
  'Metrics',
  'EssentialProperty',
  'SupplementalProperty',
  'UTCTiming',
  'LeapSecondInformation',
]);
/** Children of ServiceDescription after Latency; PlaybackRate goes before these too. */
const AFTER_LATENCY = new Set(['PlaybackRate', 'OperatingQuality', 'OperatingBandwidth']);
const AFTER_PLAYBACK_RATE = new Set(['OperatingQuality', 'OperatingBandwidth']);

/** The first child element of `parent` that `isAfter` says must follow a new element, or null for the end. */
function insertionPoint(parent: Element, isAfter: (child: Element) => boolean): Element | null {
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE && isAfter(node as Element)) return node as Element;
  }
  return null;
}

/** `child` of `parent` in the MPD namespace, created before the first child `isAfter` names if there is none. */
function ensureChild(parent: Element, localName: string, isAfter: (child: Element) => boolean): Element[] {
  const existing = childElements(parent, localName);
  if (existing.length > 0) return existing;
  const created = parent.ownerDocument!.createElementNS(DASH_NAMESPACE, parent.prefix ? `${parent.prefix}:${localName}` : localName);
  parent.insertBefore(created, insertionPoint(parent, isAfter));
  return [created];
}

/** Other-namespace children (the schema's trailing `xs:any ##other`) come after every DASH element. */
const foreign = (child: Element): boolean => child.namespaceURI !== DASH_NAMESPACE;

/** Numbers as they read best in an attribute: `0.9`, `1.15`, no float noise. */
const attributeNumber = (value: number): string => String(Math.round(value * 1000) / 1000);

/**
 * Every ServiceDescription (one is added if the publisher wrote none) gets
 * Latency@target/min/max in ms and PlaybackRate@min/max: ffmpeg writes only
 * the target, and players (dash.js) steer catch-up by all five.
 */
function applyServiceDescription(mpd: Element, latency: NonNullable<ManifestOptions['latency']>): void {
  const descriptions = ensureChild(mpd, 'ServiceDescription', (child) => foreign(child) || AFTER_SERVICE_DESCRIPTION.has(child.localName ?? ''));
  for (const description of descriptions) {
    if (!description.hasAttribute('id')) description.setAttribute('id', '0');
    for (const element of ensureChild(description, 'Latency', (child) => foreign(child) || AFTER_LATENCY.has(child.localName ?? ''))) {
      element.setAttribute('target', String(Math.round(latency.target * 1000)));
      element.setAttribute('min', String(Math.round(latency.min * 1000)));
      element.setAttribute('max', String(Math.round(latency.max * 1000)));
    }
    for (const element of ensureChild(description, 'PlaybackRate', (child) => foreign(child) || AFTER_PLAYBACK_RATE.has(child.localName ?? ''))) {
      element.setAttribute('min', attributeNumber(latency.minPlaybackRate));
      element.setAttribute('max', attributeNumber(latency.maxPlaybackRate));
    }
  }
}

/**
 * Removes AdaptationSets without a Representation (ffmpeg's dash muxer
 * writes one for an `-adaptation_sets` entry that matched no stream, e.g.
 * `streams=a` on an input without audio); players would otherwise pick an
 * audio track that has nothing to play. A set with `xlink:href` is left
 * alone: its content comes from elsewhere.
 */
function removeEmptyAdaptationSets(mpd: Element): void {
  for (const period of childElements(mpd, 'Period')) {
    for (const set of childElements(period, 'AdaptationSet')) {
      if (childElements(set, 'Representation').length === 0 && !set.hasAttributeNS('http://www.w3.org/1999/xlink', 'href')) {
        // The indentation text before it goes too, so the served document stays tidy.
        const previous = set.previousSibling;
        if (previous !== null && previous.nodeType === previous.TEXT_NODE && (previous.nodeValue ?? '').trim() === '') period.removeChild(previous);
        period.removeChild(set);
      }
    }
  }
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
 * - with `options.latency`, every ServiceDescription carries
 *   Latency@target/min/max and PlaybackRate@min/max from it (one is added
 *   if the publisher wrote none);
 * - `options.fixups` run next, in order;
 * - AdaptationSets without a Representation are removed.
 *
 * The result still validates against the DASH MPD schema if the input did.
 * @throws ManifestError if `xml` is not well-formed or its root is not an MPD.
 */
export function prepareManifest(xml: string, options: ManifestOptions = {}): PreparedManifest {
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
  if (options.latency !== undefined) applyServiceDescription(mpd, options.latency);
  for (const fixup of options.fixups ?? []) fixup(mpd);
  removeEmptyAdaptationSets(mpd);

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
