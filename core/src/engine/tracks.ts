/**
 * A video rendition: one DASH `Representation` of the video adaptation set,
 * one rung of the origin's ladder.
 */
export interface Rendition {
  /** `Representation@id`. */
  readonly id: string;
  /** Frame width in pixels. */
  readonly width: number;
  /** Frame height in pixels. */
  readonly height: number;
  /** `Representation@bandwidth`, bits per second. */
  readonly bandwidth: number;
  /** `Representation@codecs` (e.g. `avc1.64001f`), or `null` when the MPD gives none. */
  readonly codecs: string | null;
}

/** An audio track: one audio adaptation set (a language, a channel layout). */
export interface AudioTrack {
  /** `AdaptationSet@id`, or a position-based id (`audio-N`) when the MPD has none. */
  readonly id: string;
  /** `AdaptationSet@lang` (BCP 47 / ISO 639), or `null`. */
  readonly language: string | null;
  /** The first `Label`, or `null`. */
  readonly label: string | null;
  /** Channel count from `AudioChannelConfiguration` (2 for stereo, 6 for 5.1), or `null` when absent. */
  readonly channels: number | null;
}

/** A text track (subtitles or captions): one text adaptation set. */
export interface TextTrack {
  /** `AdaptationSet@id`, or a position-based id (`text-N`) when the MPD has none. */
  readonly id: string;
  /** `AdaptationSet@lang`, or `null`. */
  readonly language: string | null;
  /** The first `Label`, or `null`. */
  readonly label: string | null;
  /** `'captions'` when a `Role` says so, else `'subtitles'`. */
  readonly kind: 'subtitles' | 'captions';
}

/** Everything the current period offers to choose from. */
export interface TrackList {
  /** Video renditions, lowest bandwidth first. */
  readonly renditions: readonly Rendition[];
  readonly audioTracks: readonly AudioTrack[];
  readonly textTracks: readonly TextTrack[];
}

/** Which rendition and tracks play now; `null` where there is none (or text is off). */
export interface TrackSelection {
  /** Id of the video rendition on screen. */
  readonly rendition: string | null;
  /** Id of the audio track heard. */
  readonly audioTrack: string | null;
  /** Id of the text track shown, `null` when subtitles are off. */
  readonly textTrack: string | null;
}

/** Shallow equality of two lists of flat records, so an unchanged list keeps its identity in the snapshot. */
export function sameTracks<T extends object>(a: readonly T[], b: readonly T[]): boolean {
  return (
    a.length === b.length &&
    a.every((item, i) => {
      const other = b[i] as Record<string, unknown>;
      return Object.entries(item).every(([key, value]) => Object.is(value, other[key]));
    })
  );
}
