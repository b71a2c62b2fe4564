import type { SubtitleCue } from './webvtt.js';
import type { WvttSample } from './wvtt.js';

/** Where a segment sits on the media timeline, in ticks of `timescale`. */
export interface SampleInterval {
  /** First tick of the segment (its tfdt). */
  start: number;
  /** First tick after the segment. */
  end: number;
  /** Ticks per second. */
  timescale: number;
  /**
   * Media time of presentation time 0, ticks (SegmentTemplate@presentationTimeOffset).
   * @defaultValue 0
   */
  presentationTimeOffset?: number;
}

/**
 * Cuts cues into the samples of one segment (ISO/IEC 14496-30, 5.2 and 7.5):
 * the interval is split at every cue start and end inside it, and each
 * piece becomes one sample carrying every cue shown during it, or an empty
 * (`vtte`) sample when none is. A cue that spans segment boundaries is
 * carried in each segment it overlaps, with the part that falls there, so
 * a player joining at any segment shows it. Every segment covers its whole
 * interval, so players can request every number.
 *
 * Cue times (seconds of presentation time) are rounded to ticks; cues that
 * round to nothing are dropped.
 * @returns samples in order whose durations add up to `end - start`.
 * @throws RangeError if the interval is empty.
 */
export function segmentSamples(cues: readonly SubtitleCue[], interval: SampleInterval): WvttSample[] {
  const { start, end, timescale } = interval;
  if (!(end > start)) throw new RangeError(`segment interval must not be empty, got [${start}, ${end})`);
  const offset = interval.presentationTimeOffset ?? 0;
  const ticks = (seconds: number): number => offset + Math.round(seconds * timescale);

  const shown: Array<{ cue: SubtitleCue; from: number; to: number; order: number }> = [];
  cues.forEach((cue, order) => {
    const from = Math.max(start, ticks(cue.start));
    const to = Math.min(end, ticks(cue.end));
    if (to > from) shown.push({ cue, from, to, order });
  });
  const boundaries = [...new Set([start, end, ...shown.flatMap(({ from, to }) => [from, to])])].sort((a, b) => a - b);

  const samples: WvttSample[] = [];
  for (let i = 0; i + 1 < boundaries.length; i += 1) {
    const from = boundaries[i]!;
    const to = boundaries[i + 1]!;
    const active = shown
      .filter((entry) => entry.from <= from && entry.to >= to)
      // Display order: earlier cues first, then file order (W3C WebVTT 7.2 rendering order).
      .sort((a, b) => a.cue.start - b.cue.start || a.order - b.order)
      .map((entry) => entry.cue);
    const previous = samples.at(-1);
    // Neighbouring empty intervals are one sample.
    if (active.length === 0 && previous !== undefined && previous.cues.length === 0) {
      samples[samples.length - 1] = { duration: previous.duration + (to - from), cues: [] };
    } else {
      samples.push({ duration: to - from, cues: active });
    }
  }
  return samples;
}
