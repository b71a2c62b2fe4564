import type { ExtraOutputArgs } from '../../transcode/ffmpeg-args.js';
import type { InputProbe, ProbedSubtitle } from '../../transcode/probe-input.js';
import { LANGUAGE_PATTERN } from './subtitle-packager.js';

/**
 * Subtitle codecs whose decoders produce text (ffmpeg's
 * `AV_CODEC_PROP_TEXT_SUB`), which the `webvtt` encoder can take. Bitmap
 * subtitles (DVD, PGS, DVB) would need OCR and are left out.
 */
export const TEXT_SUBTITLE_CODECS: ReadonlySet<string> = new Set([
  'ass',
  'ssa',
  'subrip',
  'srt',
  'mov_text',
  'webvtt',
  'text',
  'microdvd',
  'mpl2',
  'jacosub',
  'pjs',
  'realtext',
  'sami',
  'stl',
  'subviewer',
  'subviewer1',
  'vplayer',
  'eia_608',
]);

/** Upload path of one input subtitle track: `/ingest/{stream}/subtitles/{track}.vtt`. */
export function subtitleUploadPath(stream: string, trackId: string): string {
  return `/ingest/${stream}/subtitles/${trackId}.vtt`;
}

/** Track id of an input subtitle track: `s` and its absolute stream index. */
export function inputTrackId(subtitle: Pick<ProbedSubtitle, 'index'>): string {
  return `s${subtitle.index}`;
}

/**
 * The extra outputs of a stream's transcoder that deliver its input's text
 * subtitle tracks to the origin: per track, `-map 0:{index} -c:s webvtt
 * -flush_packets 1 -f webvtt -method PUT {originUrl}/ingest/{stream}/subtitles/s{index}.vtt?language=...&label=...`.
 * WebVTT tracks are copied instead (`-c:s copy`): decoding would drop their
 * cue identifiers and settings (position, alignment), which copying keeps.
 *
 * ffmpeg writes each cue to that one long chunked upload the moment it
 * decodes it (measured with ffmpeg 5.1: one upload chunk per cue, at the
 * cue's start time on a `-re` input), with timestamps on the same timeline
 * as the dash output (both start at the input's first timestamp). The
 * origin packages the cues ({@link SubtitlePackager}). Bitmap subtitle
 * tracks are skipped (see {@link TEXT_SUBTITLE_CODECS}); a track's language
 * is `und` when the input has none or an unusable one. The ingest
 * credential is not here: `buildTranscodeArgs` gives it to every output
 * (never in the command line).
 */
export function subtitleOutputs(probe: Pick<InputProbe, 'subtitles'>, originUrl: string, stream: string): ExtraOutputArgs[] {
  return probe.subtitles
    .filter((subtitle) => TEXT_SUBTITLE_CODECS.has(subtitle.codec))
    .map((subtitle) => {
      const query = new URLSearchParams({ language: subtitle.language !== null && LANGUAGE_PATTERN.test(subtitle.language) ? subtitle.language : 'und' });
      if (subtitle.title !== null && subtitle.title !== '') query.set('label', subtitle.title);
      return [
        ...['-map', `0:${subtitle.index}`, '-c:s', subtitle.codec === 'webvtt' ? 'copy' : 'webvtt', '-flush_packets', '1', '-f', 'webvtt'],
        ...['-method', 'PUT'],
        `${originUrl}${subtitleUploadPath(stream, inputTrackId(subtitle))}?${query.toString()}`,
      ];
    });
}
