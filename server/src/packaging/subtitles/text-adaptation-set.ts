import { createHash } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { DASH_NAMESPACE } from '../manifest.js';

/**
 * The video segment timeline of a manifest, which text segments follow
 * number for number: the first video Representation's effective
 * SegmentTemplate (inherited from AdaptationSet and Period where absent).
 */
export interface VideoTimeline {
  /** Representation@id of the video Representation followed. */
  representationId: string;
  /** Its Representation@bandwidth, bits/s (for `$Bandwidth$` in its template). */
  bandwidth: number | undefined;
  /** Its SegmentTemplate@media; has `$Number$`. */
  media: string;
  /** SegmentTemplate@timescale, ticks per second. */
  timescale: number;
  /** SegmentTemplate@duration, ticks. */
  duration: number;
  /** SegmentTemplate@startNumber. */
  startNumber: number;
  /** SegmentTemplate@presentationTimeOffset, ticks. */
  presentationTimeOffset: number;
  /** SegmentTemplate@availabilityTimeOffset as written (seconds), if any. */
  availabilityTimeOffset: string | undefined;
  /** SegmentTemplate@availabilityTimeComplete as written, if any. */
  availabilityTimeComplete: string | undefined;
  /** MPD@availabilityStartTime, ms since the epoch, if any. */
  availabilityStartTime: number | undefined;
  /**
   * Identifies one publisher run: a hash of availabilityStartTime and the
   * video template. ffmpeg starts numbering at 1 again on every run, so the
   * text segment names carry it (finished segments are cached as immutable).
   */
  runKey: string;
}

/** A text track as the manifest describes it. */
export interface TextTrackEntry {
  /** Representation@id, unique in the Period. */
  representationId: string;
  /** AdaptationSet@lang (BCP 47); `und` when unknown. */
  language: string;
  /** Label players show, if any. */
  label: string | undefined;
  /** SegmentTemplate@initialization (a literal name). */
  initialization: string;
  /** SegmentTemplate@media, with `$Number%05d$`. */
  media: string;
}

/**
 * Nominal Representation@bandwidth of a text track, bits/s (the attribute
 * is required). Measured: a busy subtitle track's 1 s segments are 100 to
 * 400 bytes, under 4 kbit/s.
 */
export const TEXT_BANDWIDTH = 4000;

function childElements(parent: Element, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE && (node as Element).localName === localName && (node as Element).namespaceURI === DASH_NAMESPACE) {
      found.push(node as Element);
    }
  }
  return found;
}

function isVideo(adaptationSet: Element, representation: Element): boolean {
  if (adaptationSet.getAttribute('contentType') === 'video') return true;
  const mimeType = representation.getAttribute('mimeType') ?? adaptationSet.getAttribute('mimeType') ?? '';
  return mimeType.startsWith('video/');
}

function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

/**
 * Reads the timeline of the first video Representation of the first
 * Period.
 * @returns undefined if there is none with a number-addressed
 *   SegmentTemplate of fixed duration (a SegmentTimeline, `$Time$`
 *   addressing, or no video at all): text cannot follow it then.
 */
export function readVideoTimeline(mpd: Element): VideoTimeline | undefined {
  const period = childElements(mpd, 'Period')[0];
  if (period === undefined) return undefined;
  for (const adaptationSet of childElements(period, 'AdaptationSet')) {
    for (const representation of childElements(adaptationSet, 'Representation')) {
      if (!isVideo(adaptationSet, representation)) continue;
      const templates = [representation, adaptationSet, period].flatMap((level) => childElements(level, 'SegmentTemplate'));
      if (templates.some((template) => childElements(template, 'SegmentTimeline').length > 0)) return undefined;
      const inherited = (attribute: string): string | undefined =>
        templates.find((template) => template.hasAttribute(attribute))?.getAttribute(attribute) ?? undefined;
      const media = inherited('media');
      const duration = positiveInteger(inherited('duration'));
      if (media === undefined || !/\$Number(%0\d+d)?\$/.test(media) || duration === undefined) return undefined;
      const start = Date.parse(mpd.getAttribute('availabilityStartTime') ?? '');
      const availabilityStartTime = Number.isNaN(start) ? undefined : start;
      const representationId = representation.getAttribute('id') ?? '';
      return {
        representationId,
        bandwidth: positiveInteger(representation.getAttribute('bandwidth') ?? undefined),
        media,
        timescale: positiveInteger(inherited('timescale')) ?? 1,
        duration,
        startNumber: Number(inherited('startNumber') ?? 1),
        presentationTimeOffset: Number(inherited('presentationTimeOffset') ?? 0),
        availabilityTimeOffset: inherited('availabilityTimeOffset'),
        availabilityTimeComplete: inherited('availabilityTimeComplete'),
        availabilityStartTime,
        runKey: createHash('sha256')
          .update(`${availabilityStartTime ?? ''}\n${representationId}\n${media}`)
          .digest('base64url')
          .replace(/[-_]/g, '')
          .slice(0, 8),
      };
    }
  }
  return undefined;
}

function element(parent: Element, localName: string, attributes: Record<string, string | undefined> = {}): Element {
  const document = parent.ownerDocument!;
  const created = document.createElementNS(DASH_NAMESPACE, parent.prefix ? `${parent.prefix}:${localName}` : localName);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) created.setAttribute(name, value);
  return created;
}

/**
 * Adds one text AdaptationSet per track to the first Period, after its last
 * AdaptationSet: `contentType="text" mimeType="application/mp4"
 * codecs="wvtt"`, `lang`, a Label, Role `subtitle` (urn:mpeg:dash:role:2011)
 * and a SegmentTemplate with the video's timescale, duration, startNumber,
 * presentationTimeOffset and availability offsets, so text segment N
 * covers exactly the time of video segment N. Element order follows the
 * DASH MPD schema (AdaptationSetType: Label, Role, ..., Representation).
 */
export function addTextAdaptationSets(mpd: Element, timeline: VideoTimeline, tracks: readonly TextTrackEntry[]): void {
  const period = childElements(mpd, 'Period')[0];
  if (period === undefined || tracks.length === 0) return;
  const existing = childElements(period, 'AdaptationSet');
  let nextId = Math.max(-1, ...existing.map((set) => Number(set.getAttribute('id') ?? -1)).filter(Number.isSafeInteger)) + 1;
  let after: Element | null = existing.at(-1) ?? null;
  for (const track of tracks) {
    const adaptationSet = element(period, 'AdaptationSet', {
      id: String(nextId++),
      contentType: 'text',
      mimeType: 'application/mp4',
      codecs: 'wvtt',
      lang: track.language,
      segmentAlignment: 'true',
      startWithSAP: '1',
    });
    if (track.label !== undefined) {
      const label = element(adaptationSet, 'Label');
      label.appendChild(adaptationSet.ownerDocument!.createTextNode(track.label));
      adaptationSet.appendChild(label);
    }
    adaptationSet.appendChild(element(adaptationSet, 'Role', { schemeIdUri: 'urn:mpeg:dash:role:2011', value: 'subtitle' }));
    const representation = element(adaptationSet, 'Representation', { id: track.representationId, bandwidth: String(TEXT_BANDWIDTH) });
    representation.appendChild(
      element(representation, 'SegmentTemplate', {
        timescale: String(timeline.timescale),
        duration: String(timeline.duration),
        startNumber: String(timeline.startNumber),
        presentationTimeOffset: timeline.presentationTimeOffset === 0 ? undefined : String(timeline.presentationTimeOffset),
        availabilityTimeOffset: timeline.availabilityTimeOffset,
        availabilityTimeComplete: timeline.availabilityTimeComplete,
        initialization: track.initialization,
        media: track.media,
      }),
    );
    adaptationSet.appendChild(representation);
    // On its own line, indented like the set before it, so the served document stays tidy.
    const indent = after?.previousSibling?.nodeType === 3 ? after.previousSibling.nodeValue : null;
    const before = after === null ? period.firstChild : after.nextSibling;
    if (indent !== null && /^\s+$/.test(indent)) period.insertBefore(period.ownerDocument!.createTextNode(indent), before);
    period.insertBefore(adaptationSet, before);
    after = adaptationSet;
  }
}
