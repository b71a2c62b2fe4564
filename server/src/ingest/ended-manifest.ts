import type { Element } from '@xmldom/xmldom';
import { parseDuration, prepareManifest, type ManifestFixup, type PreparedManifest } from '../packaging/manifest.js';
import { expandTemplate } from '../packaging/segment-template.js';
import type { LiveStream } from '../store/live-stream.js';

/** Attributes that only mean something while a presentation is still being published. */
const LIVE_ONLY_ATTRIBUTES = ['minimumUpdatePeriod', 'timeShiftBufferDepth', 'suggestedPresentationDelay'];

/** `PT12.345S`. */
function isoDuration(seconds: number): string {
  return `PT${(Math.round(seconds * 1000) / 1000).toFixed(3)}S`;
}

/**
 * A manifest fix-up that turns a live (dynamic) MPD into the final,
 * static one of a presentation that has ended, the way ffmpeg's dash
 * muxer writes it when it exits cleanly: `type="static"`,
 * `mediaPresentationDuration`, no `minimumUpdatePeriod`,
 * `timeShiftBufferDepth` or `suggestedPresentationDelay`.
 *
 * Why static rather than dynamic with a duration: DASH-IF IOP 4.3, 4.6.4
 * ("Transition Phase between Live and On-Demand"); dash.js 5 recognises
 * the dynamic-to-static change on its next MPD fetch, stops fetching the
 * MPD and requesting segments at once (`mediaHasFinished`), ends the
 * MediaSource and fires `ended`, whatever the duration says; a dynamic MPD
 * with a duration would instead have the player keep requesting segments
 * up to a computed last number. The player core treats either as "not
 * live" and polls for the next session.
 * @param duration seconds from the start of the first Period to the end of the last media.
 */
export function endPresentation(duration: number): ManifestFixup {
  return (mpd: Element) => {
    mpd.setAttribute('type', 'static');
    mpd.setAttribute('mediaPresentationDuration', isoDuration(duration));
    mpd.setAttribute('publishTime', new Date().toISOString());
    for (const attribute of LIVE_ONLY_ATTRIBUTES) mpd.removeAttribute(attribute);
  };
}

/**
 * Where the media of a live manifest ends, from what the store holds: per
 * representation the newest media segment present (complete or not), its
 * end relative to the Period start. Falls back to the wall-clock time
 * since `MPD@availabilityStartTime` if no segment is found.
 * @param availabilityStartTime ms since the epoch, if the MPD has one.
 * @returns seconds.
 */
export function mediaEnd(stream: Pick<LiveStream, 'segment'>, manifest: PreparedManifest, availabilityStartTime: number | undefined, now = Date.now()): number {
  const elapsed = availabilityStartTime === undefined ? 0 : Math.max(0, (now - availabilityStartTime) / 1000);
  let end: number | undefined;
  for (const representation of manifest.info.representations) {
    const { media, segmentDuration, startNumber, id, bandwidth } = representation;
    if (media === undefined || segmentDuration === undefined) continue;
    // Start a little past what the clock allows and walk down to the newest segment present.
    const highest = startNumber + Math.ceil(elapsed / segmentDuration) + 2;
    for (let number = highest; number >= Math.max(startNumber, highest - 200); number -= 1) {
      const name = expandTemplate(media, { representationId: id, bandwidth, number });
      if (name !== undefined && stream.segment(name) !== undefined) {
        end = Math.max(end ?? 0, (number - startNumber + 1) * segmentDuration);
        break;
      }
    }
  }
  return end ?? elapsed;
}

/** `MPD@availabilityStartTime` of a rendered manifest, ms since the epoch. */
function availabilityStartTime(xml: string): number | undefined {
  const value = /<MPD\b[^>]*\savailabilityStartTime="([^"]+)"/.exec(xml)?.[1];
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

/** `Period@start` of the first Period, seconds. */
function periodStart(xml: string): number {
  return parseDuration(/<(?:\w+:)?Period\b[^>]*\sstart="([^"]+)"/.exec(xml)?.[1]) ?? 0;
}

/**
 * The ended version of `stream`'s live manifest `name` (see
 * {@link endPresentation}), or undefined if it has none or it is not
 * dynamic (ffmpeg already wrote its final one).
 * @param now wall-clock time, ms since the epoch (where the search for the newest segment starts).
 */
export function endedManifest(stream: LiveStream, name: string, now = Date.now()): PreparedManifest | undefined {
  const manifest = stream.manifest(name);
  if (manifest === undefined || manifest.info.type !== 'dynamic') return undefined;
  // Any absolute URL will do: prepareManifest points UTCTiming at the
  // per-request /time again.
  const xml = manifest.render('http://localhost/time');
  const duration = periodStart(xml) + mediaEnd(stream, manifest, availabilityStartTime(xml), now);
  return prepareManifest(xml, { fixups: [endPresentation(duration)] });
}
