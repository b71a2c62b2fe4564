import { defaultConfig } from '../config/load-config.js';
import type { LadderRung, LatencyConfig, TranscodeConfig } from '../config/config-schema.js';
import { CAPTURE_FILTER_NAME } from '../packaging/capture-reference.js';
import { FRAME_REPORT_FILTER } from '../sources/frame-reports.js';
import { fdTextPath, type FfmpegInvocation } from './ffmpeg-supervisor.js';
import type { InputProbe, ProbedAudio, ProbedVideo } from './probe-input.js';

/** Font for the burned-in time text: Debian/Ubuntu package `fonts-dejavu-core`. */
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

/** A per-run tag: the start time in milliseconds, base 36 (8 characters until the year 2059). */
export function runTag(now: number = Date.now()): string {
  return now.toString(36);
}

/** SegmentTemplate@timescale ffmpeg 5.1's dash muxer writes for number-based templates (AV_TIME_BASE), ticks/s. */
export const DASH_TEMPLATE_TIMESCALE = 1_000_000;

/** Frame rate of the built-in test pattern, frames/s. */
export const TEST_SOURCE_FRAME_RATE = 30;

/**
 * The capture-time stamp of ../shared/spec/timecode-strip.md as an ffmpeg
 * filter graph (input `[0:v]`, output `[v]`):
 *
 * 1. `setpts=RTCTIME/1000` at timebase 1/1000: each frame's pts becomes the
 *    wall-clock time in ms at which it entered the pipeline.
 * 2. The 32 blocks of 32x32 px across the top left: block i is white when bit
 *    31 - i of (pts mod 2^32) is set, drawn by `geq` on a gray crop and overlaid.
 * 3. The same time as text, HH:MM:SS.mmm UTC, for people.
 * 4. Back to a 30 fps frame-count timebase for the encoder: frame k is at
 *    presentation time k / 30 s.
 * 5. A branch that logs every frame's capture time (`showinfo@capture`
 *    without checksums, on stderr at info level, read back with
 *    `parseCaptureLine`): the origin's capture clock, for the MPD and every
 *    chunk's `prft`.
 */
export function timecodeFilterGraph(fontFile: string): string {
  if (!/^[A-Za-z0-9/._-]+$/.test(fontFile)) {
    throw new Error(`font path ${JSON.stringify(fontFile)} has characters the ffmpeg filter graph would need escaped`);
  }
  return [
    '[0:v]settb=1/1000,setpts=RTCTIME/1000,split=3[m][s][c];',
    `[c]showinfo@${CAPTURE_FILTER_NAME}=checksum=0,nullsink;`,
    '[s]crop=1024:32:0:0,format=gray,geq=lum=255*mod(floor(mod(T*1000\\,4294967296)/pow(2\\,31-floor(X/32)))\\,2)[strip];',
    `[m][strip]overlay=0:0,drawtext=fontfile=${fontFile}:fontsize=40:fontcolor=white:box=1:boxcolor=black@0.7:x=20:y=60:` +
      "text=\\'%{pts:gmtime:0:%H\\\\:%M\\\\:%S}.%{eif:mod(t*1000\\,1000):d:3} UTC\\'," +
      `settb=1/${TEST_SOURCE_FRAME_RATE},setpts=N,format=yuv420p[v]`,
  ].join('\n');
}

/** One output rendition of the ladder, as {@link selectRenditions} sized it for an input. */
export interface Rendition {
  /** The rung's name (`720p`), or `{height}p` for the single rendition of an input below the ladder. */
  name: string;
  /** The MPD Representation@id the dash muxer gives it: its output stream index, as a string. */
  representationId: string;
  /**
   * Output width, pixels, even: the input's display aspect ratio at
   * `height`, rounded. ffmpeg sets the sample aspect ratio that keeps the
   * display aspect exact (e.g. 426x240 at SAR 640:639 for 16:9): its dash
   * muxer requires one aspect ratio per adaptation set.
   */
  width: number;
  /** Output height, pixels, even. */
  height: number;
  /** Target bitrate, bits/s (also maxrate and the MPD `@bandwidth`). */
  bitrate: number;
}

/** The audio layout an AAC track is encoded with, and the filter that gets it there. */
export interface AacLayout {
  /** Channel count of the encoded track. */
  channels: number;
  /** ffmpeg audio filter to apply first, or undefined to encode the track as it is. */
  filter: string | undefined;
}

/**
 * Extra ffmpeg output arguments appended after the DASH output, one entry
 * per output (e.g. a subtitle track written as WebVTT to the origin):
 * everything from that output's `-map` to its URL.
 */
export type ExtraOutputArgs = readonly string[];

/** The input of a transcode: what a source built (`pullInvocation`, a feed on stdin), or the built-in test pattern. */
export type TranscodeInput =
  | {
      /** Input options and `-i` with its URL, e.g. `['-f', 'flv', '-i', 'pipe:0']`. */
      args: readonly string[];
      /** Texts the input reads from file descriptors (see `FfmpegInvocation.fdTexts`): the first ones of the run. */
      fdTexts?: readonly string[];
    }
  | {
      /** The 1280x720 30 fps `testsrc2` + 1 kHz tone, stamped with the capture time ({@link timecodeFilterGraph}). */
      testSource: { fontFile: string };
    };

/**
 * The init segment name of a media segment the origin's own transcoder
 * wrote (`seg-{runTag}-{representation}-{number}.m4s`, see
 * {@link buildTranscodeArgs}): `init-{runTag}-{representation}.m4s`, known
 * before the run's first manifest names it.
 * @returns undefined for a name of another form.
 */
export function transcoderInitName(mediaSegment: string): string | undefined {
  const match = /^seg-([a-z0-9]+)-([A-Za-z0-9_]+)-\d+\.m4s$/.exec(mediaSegment);
  return match === null ? undefined : `init-${match[1]}-${match[2]}.m4s`;
}

/** Options of {@link buildTranscodeArgs}. */
export interface TranscodeArgsOptions {
  input: TranscodeInput;
  /** What the input holds ({@link probeInput}; {@link TEST_SOURCE_PROBE} for the test source). */
  probe: InputProbe;
  transcode: TranscodeConfig;
  latency: LatencyConfig;
  /** Base URL ffmpeg reaches the origin at, no trailing slash, e.g. `http://127.0.0.1:8080`. */
  originUrl: string;
  /** Stream name to publish as. */
  stream: string;
  /** Tag put into every segment name of this ffmpeg run (see `runTag`). */
  runTag: string;
  /**
   * Credential the origin's ingest route requires (the session's, see
   * `IngestCredentials`), sent on every upload of every output as
   * `Authorization: Bearer {token}`. It reaches ffmpeg in a preset file on
   * a file descriptor ({@link ingestCredentialPresets}), never in the
   * command line. Characters: the token68 set `[A-Za-z0-9._~+/=-]`.
   */
  ingestToken?: string;
  /** More outputs of the same process (subtitle tracks), each from its `-map` to its URL. */
  subtitleOutputs?: readonly ExtraOutputArgs[];
}

/**
 * What the built-in test source holds, in the terms of {@link probeInput}:
 * 1280x720 square pixels at 30 fps, and a mono 1 kHz tone (index 0 of the
 * second ffmpeg input).
 */
export const TEST_SOURCE_PROBE: Readonly<InputProbe> = Object.freeze({
  video: { index: 0, width: 1280, height: 720, sampleAspectRatio: 1, fps: 30, codec: 'rawvideo' },
  audio: [{ index: 0, language: null, channels: 1, channelLayout: 'mono', codec: 'pcm_f64le' }],
  subtitles: [],
});

const even = (value: number): number => Math.max(2, 2 * Math.round(value / 2));

/**
 * The renditions an input gets: the ladder's rungs at or below the input's
 * height, highest first, each as wide as the input's display aspect ratio
 * makes it (rounded to even; see {@link Rendition.width}). An input below
 * the lowest rung gets one rendition at its own height (even, rounded down)
 * with the lowest rung's bitrate. Representation ids follow the order.
 */
export function selectRenditions(ladder: readonly LadderRung[], video: Pick<ProbedVideo, 'width' | 'height' | 'sampleAspectRatio'>): Rendition[] {
  const displayAspect = (video.width * video.sampleAspectRatio) / video.height;
  const sorted = [...ladder].sort((a, b) => b.height - a.height);
  let rungs: LadderRung[] = sorted.filter((rung) => rung.height <= video.height);
  if (rungs.length === 0) {
    const lowest = sorted.at(-1)!;
    const height = Math.max(2, video.height - (video.height % 2));
    rungs = [{ name: `${height}p`, height, bitrate: lowest.bitrate }];
  }
  return rungs.map((rung, index) => ({
    name: rung.name,
    representationId: String(index),
    width: even(rung.height * displayAspect),
    height: rung.height,
    bitrate: rung.bitrate,
  }));
}

/** Channel layouts with an AAC channel configuration of their own (ISO/IEC 14496-3, 1.6.3.4): no PCE needed. */
const AAC_NATIVE_LAYOUTS = new Set(['mono', 'stereo', '3.0', '4.0', '5.0', '5.1', '7.1']);
/** The same speakers with the surrounds labelled "side" instead of "back": relabelled, not remixed. */
const SIDE_TO_BACK: ReadonlyMap<string, string> = new Map([
  ['5.0(side)', '5.0'],
  ['5.1(side)', '5.1'],
]);
/** Native layout by channel count, for everything else (7 channels go down to 5.1, more than 8 to 7.1). */
const NATIVE_BY_COUNT = ['mono', 'mono', 'stereo', '3.0', '4.0', '5.0', '5.1', '5.1', '7.1'];

/**
 * How a track is carried into AAC with its channel count intact where AAC
 * has a standard configuration for it. ffmpeg's AAC encoder writes any
 * other layout (including `5.1(side)`, which is what AC-3 and E-AC-3 5.1
 * decode to) with a program config element (channelConfiguration 0), which
 * Chromium's MP4 parser refuses (checked with Chromium 156 MSE: "stream
 * parsing failed" on the init segment); so side surrounds are relabelled
 * as back surrounds (same speakers, no remix) and unusual layouts are
 * remixed to the standard layout with the same channel count.
 */
export function aacLayout(audio: Pick<ProbedAudio, 'channels' | 'channelLayout'>): AacLayout {
  const layout = audio.channelLayout;
  if (layout !== null && AAC_NATIVE_LAYOUTS.has(layout)) return { channels: audio.channels, filter: undefined };
  const relabelled = layout === null ? undefined : SIDE_TO_BACK.get(layout);
  if (relabelled !== undefined) return { channels: audio.channels, filter: `channelmap=channel_layout=${relabelled}` };
  const target = NATIVE_BY_COUNT[Math.min(audio.channels, 8)]!;
  const channels = { mono: 1, stereo: 2, '3.0': 3, '4.0': 4, '5.0': 5, '5.1': 6, '7.1': 8 }[target]!;
  return { channels, filter: `aformat=channel_layouts=${target}` };
}

/**
 * The audio of a published or pulled input follows its timestamps
 * (swresample's `async`): a gap (an encoder that restarted after seconds
 * away, which the RTMP feed leaves on the timeline) is filled with silence,
 * and a clock-drift correction (ClockDrift) that moves the timestamps 0.1 %
 * against the samples is to be taken up by stretching or squeezing by at
 * most 1000 samples a second (2 % at 48 kHz; ffmpeg's documented example),
 * not by letting the audio track run ahead of or behind the video (what
 * swresample documents; not measured here over a long session). Without it
 * the AAC output keeps the gap: 3 s without samples, which a player's
 * buffer cannot play through (checked with ffprobe on an FLV with a 3 s
 * gap; with it, the gap is 141 AAC frames of silence).
 */
const AUDIO_TIMESTAMP_SYNC = 'aresample=async=1000';

/** Broadcast and camera frame rates (ITU-R BT.709 and SMPTE ST 2036 families), frames per second. */
const STANDARD_FRAME_RATES = [24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60];

/**
 * The standard frame rate of a constant-rate input, or undefined: the one
 * both its average and its nominal rate (ffprobe's `avg_frame_rate`, three
 * decimals, and `r_frame_rate`) are within 0.05 % of (the NTSC rates are
 * 0.1 % from the integer ones). An input whose two rates disagree (a
 * variable-rate phone stream, a file whose average counts an edit list)
 * keeps its own timing.
 */
export function standardFrameRate(video: Pick<ProbedVideo, 'fps' | 'nominalFps'>): number | undefined {
  const nearest = (fps: number | null | undefined): number | undefined =>
    fps == null ? undefined : STANDARD_FRAME_RATES.find((rate) => Math.abs(fps - rate) <= rate * 0.0005);
  const average = nearest(video.fps);
  return average !== undefined && average === nearest(video.nominalFps) ? average : undefined;
}

/**
 * Frames per second the transcoder sets with an `fps` filter (after
 * `showinfo@frames`, see FrameReports): the config's, else for AV1 (which
 * needs a constant rate) the input's rounded, else the input's when it is
 * a standard rate ({@link standardFrameRate}); undefined when the output
 * keeps the input's rate.
 *
 * The filter puts each frame at the output slot nearest its timestamp,
 * which is where the capture clock places it. Without it ffmpeg's own
 * constant-rate output keeps frames on consecutive slots until they are
 * more than 1.1 frame intervals off their timestamps: a publisher whose
 * clock drifts (or a drift corrected, see ClockDrift) then has its frames
 * a slot away from where the capture clock put them, and the readout was
 * off by up to a frame interval (RTMP at a publisher clock 0.1 % fast,
 * |estimate − strip| p50 about 62 ms without the filter, 37 ms with it;
 * one-off runs, the publisher's own encode is the rest). The test pattern
 * (`standardRate: false`) is made on the output's slots already.
 */
export function outputFps(transcode: TranscodeConfig, video: ProbedVideo, { standardRate = true } = {}): number | undefined {
  if (transcode.fps !== undefined) return transcode.fps;
  if (transcode.codec === 'av1') return Math.round(video.fps ?? 30);
  return standardRate ? standardFrameRate(video) : undefined;
}

/** A frame rate as ffmpeg option text: the NTSC rates as their exact ratio (`30000/1001`). */
function frameRateText(fps: number): string {
  const ntsc = fps * 1001;
  return Number.isInteger(fps) || Math.abs(ntsc - Math.round(ntsc)) > 1e-6 ? decimal(fps) : `${Math.round(ntsc)}/1001`;
}

/** A number as ffmpeg option text, without exponent notation or float noise. */
const decimal = (value: number): string => String(Math.round(value * 1e6) / 1e6);

function videoEncoderArgs(transcode: TranscodeConfig, renditions: Rendition[], frameRate: number | undefined): string[] {
  const segment = transcode.segmentDuration;
  if (transcode.codec === 'av1') {
    // libsvtav1 in ffmpeg 5.1 ignores forced key frames: the key frame
    // interval is the only way to a key frame at each segment start, so it
    // must be a whole number of frames.
    const framesPerSegment = frameRate! * segment;
    if (Math.abs(framesPerSegment - Math.round(framesPerSegment)) > 1e-6) {
      throw new RangeError(
        `AV1 needs a whole number of frames per segment: ${decimal(frameRate!)} fps × ${decimal(segment)} s = ${decimal(framesPerSegment)}; set transcode.fps or transcode.segmentDuration`,
      );
    }
    return [
      ...['-c:v', 'libsvtav1', '-preset', String(transcode.preset), '-g', String(Math.round(framesPerSegment))],
      // Low-delay prediction (no frame reordering, so no encoder delay
      // beyond one frame); CBR is what SVT-AV1 forces in that mode anyway.
      ...['-svtav1-params', 'pred-struct=1:rc=2'],
      ...renditions.flatMap((r, k) => [`-b:v:${k}`, String(r.bitrate)]),
    ];
  }
  return [
    ...['-c:v', 'libx264', '-preset', String(transcode.preset), '-tune', 'zerolatency', '-bf', '0'],
    // Closed GOPs starting exactly at every segment boundary, the same
    // frames on every rendition (they all see the same timestamps from one
    // decode); no scene-cut key frames in between.
    ...['-force_key_frames', `expr:gte(t,n_forced*${decimal(segment)})`, '-forced-idr', '1'],
    ...['-sc_threshold', '0', '-flags', '+cgop'],
    // x264's own key frame interval must not fire between forced ones.
    ...(frameRate === undefined ? [] : ['-g', String(Math.ceil(frameRate * segment * 2))]),
    // maxrate = bitrate and a VBV buffer of one segment: a segment is at
    // most about bitrate × segment duration bytes, which is what the MPD
    // promises (@bandwidth with minBufferTime = one segment) and what a
    // player's throughput-based ABR assumes when it fetches segments
    // chunk by chunk at the live edge.
    ...renditions.flatMap((r, k) => [
      ...[`-b:v:${k}`, String(r.bitrate), `-maxrate:v:${k}`, String(r.bitrate)],
      ...[`-bufsize:v:${k}`, String(Math.round(r.bitrate * segment))],
    ]),
  ];
}

const TOKEN68 = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * The ffmpeg preset texts (`-fpre FILE`: `option=value` lines read while
 * ffmpeg parses its options) that give an output the ingest credential as
 * an `Authorization` header: the dash muxer's `http_opts` for the DASH
 * output, the http protocol's `headers` for each further HTTP output.
 * ffmpeg 5.1 has no other way to take an output option from anywhere but
 * its command line; the preset's file is a pipe on a file descriptor
 * (`FfmpegInvocation.fdTexts`). A preset line cannot end in CR LF, which
 * ffmpeg then adds itself (with a warning the origin's log filter expects).
 * @throws RangeError if `token` has characters outside the token68 set.
 */
export function ingestCredentialPresets(token: string): { dash: string; http: string } {
  if (!TOKEN68.test(token)) throw new RangeError('ingest token must be token68 characters [A-Za-z0-9._~+/=-]');
  // `:` is escaped for the dash muxer's dictionary parser (av_dict_parse_string).
  return { dash: `http_opts=headers=Authorization\\: Bearer ${token}\n`, http: `headers=Authorization: Bearer ${token}\n` };
}

/**
 * The ffmpeg argument vector (no shell) that transcodes one input into the
 * whole ladder in one process and publishes it to the origin as low-latency
 * DASH:
 *
 * - video decoded once, with slice threads only (frame threads hold frames
 *   back), stamped with the capture time for the test
 *   source (for any other input each frame's pts reported by
 *   `showinfo@frames`, see `FrameReports`), converted to 8-bit 4:2:0 (and
 *   to `transcode.fps` if set),
 *   then `split` and scaled to each rendition of {@link selectRenditions};
 * - H.264 (libx264 `zerolatency`, no B-frames) or AV1 (libsvtav1 low
 *   delay), a closed GOP at every segment boundary on every rendition;
 * - every audio track to AAC in its own adaptation set, with its language
 *   and channel count ({@link aacLayout}); bitrate `transcode.audio.bitrate`
 *   per channel pair;
 * - the dash muxer in low-latency mode (one CMAF chunk per frame, PRFT,
 *   target latency and playback rates from `latency`), pushing with
 *   persistent chunked PUTs to `{originUrl}/ingest/{stream}/manifest.mpd`,
 *   segment names tagged with `runTag`;
 * - progress as key=value blocks on stdout once a second (`speed=1.01x`);
 * - the ingest credential, if any, for every output in a preset on a file
 *   descriptor ({@link ingestCredentialPresets}), after the input's own
 *   texts: one for the DASH output, then one per subtitle output.
 *
 * @throws RangeError if the probe has no video, if the ingest token has
 *   characters a header cannot carry, or if AV1 would get a fractional
 *   number of frames per segment.
 */
export function buildTranscodeArgs(options: TranscodeArgsOptions): FfmpegInvocation {
  const { input, probe, transcode, latency, originUrl, stream, runTag } = options;
  const video = probe.video;
  if (video === null) throw new RangeError(`stream ${stream}: the input has no video stream to make a ladder from`);
  const renditions = selectRenditions(transcode.ladder, video);
  const isTestSource = 'testSource' in input;
  const fps = outputFps(transcode, video, { standardRate: !isTestSource });

  const inputArgs = isTestSource
    ? [
        ...['-re', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${TEST_SOURCE_FRAME_RATE}`],
        ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000'],
      ]
    : input.args;
  const inputTexts = isTestSource ? [] : (input.fdTexts ?? []);
  // The test source's audio is the second input; a URL's tracks are streams of the first.
  const audioInput = isTestSource ? 1 : 0;

  // Everything done once, before the split: the stamp (test source, which
  // already ends in yuv420p), 8-bit 4:2:0 (10-bit H.264 does not play in
  // browsers), the frame rate.
  const graph: string[] = isTestSource ? [`${timecodeFilterGraph(input.testSource.fontFile)};`] : [];
  const once = [
    // Every decoded frame's pts, where the capture clock finds it on the source's timeline (FrameReports).
    ...(isTestSource ? [] : [`showinfo@${FRAME_REPORT_FILTER}=checksum=0`, 'format=yuv420p']),
    ...(fps === undefined ? [] : [`fps=${frameRateText(fps)}`]),
    ...(renditions.length > 1 ? [`split=${renditions.length}`] : []),
  ];
  graph.push(
    `${isTestSource ? '[v]' : `[0:${video.index}]`}${once.length === 0 ? 'null' : once.join(',')}${renditions.map((_, k) => `[s${k}]`).join('')};`,
  );
  renditions.forEach((r, k) => graph.push(`[s${k}]scale=${r.width}:${r.height}[v${k}];`));
  const audioMaps = probe.audio.map((track, k) => {
    const filters = [isTestSource ? undefined : AUDIO_TIMESTAMP_SYNC, aacLayout(track).filter].filter((f) => f !== undefined);
    if (filters.length === 0) return `${audioInput}:${track.index}`;
    graph.push(`[${audioInput}:${track.index}]${filters.join(',')}[a${k}];`);
    return `[a${k}]`;
  });
  const filterGraph = graph.join('\n').replace(/;$/, '');

  const audioArgs = probe.audio.flatMap((track, k) => {
    const { channels } = aacLayout(track);
    const bitrate = Math.round((transcode.audio.bitrate * Math.max(channels, 2)) / 2);
    return [`-b:a:${k}`, String(bitrate), ...(track.language === null ? [] : [`-metadata:s:a:${k}`, `language=${track.language}`])];
  });
  const adaptationSets = ['id=0,streams=v', ...probe.audio.map((_, k) => `id=${k + 1},streams=${renditions.length + k}`)].join(' ');

  const extraOutputs = options.subtitleOutputs ?? [];
  const presets = options.ingestToken === undefined ? undefined : ingestCredentialPresets(options.ingestToken);
  // The credential presets come after the input's own texts.
  const credential = (index: number): string[] => (presets === undefined ? [] : ['-fpre', fdTextPath(inputTexts.length + index)]);
  const args = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'],
    ...['-progress', 'pipe:1', '-stats_period', '1'],
    // The input's video decoded without frame threading: each frame thread holds a frame back
    // (ffmpeg's default on 2 cores, 3 threads: 2 frames, 67 ms at 30 fps). Measured on an RTMP
    // publish: a frame's arrival to its decode 85 → 20 ms (p50). Slice threading stays, for
    // inputs encoded in slices.
    ...(isTestSource ? [] : ['-thread_type', 'slice']),
    ...inputArgs,
    ...['-filter_complex', filterGraph],
    ...renditions.flatMap((_, k) => ['-map', `[v${k}]`]),
    ...audioMaps.flatMap((map) => ['-map', map]),
    ...videoEncoderArgs(transcode, renditions, fps ?? video.fps ?? undefined),
    ...(probe.audio.length === 0 ? [] : ['-c:a', 'aac', ...audioArgs]),
    ...['-f', 'dash', '-ldash', '1', '-streaming', '1', '-frag_type', 'every_frame', '-seg_duration', decimal(transcode.segmentDuration)],
    ...['-write_prft', '1', '-target_latency', decimal(latency.target)],
    ...['-min_playback_rate', decimal(latency.minPlaybackRate), '-max_playback_rate', decimal(latency.maxPlaybackRate)],
    ...['-use_timeline', '0', '-use_template', '1', '-window_size', '5', '-extra_window_size', '3'],
    // Video media time in µs, the SegmentTemplate@timescale the muxer writes: dash.js reads a
    // prft's media_time in the MPD's timescale, not the track's (checked with dash.js 5.2).
    ...['-format_options', `video_track_timescale=${DASH_TEMPLATE_TIMESCALE}`],
    // minimumUpdatePeriod (whole seconds): ffmpeg's default of 500 s would let players miss for
    // minutes that the stream ended (dynamic -> static) or restarted.
    ...['-update_period', String(Math.max(2, Math.ceil(2 * transcode.segmentDuration)))],
    ...['-utc_timing_url', `${originUrl}/time`, '-adaptation_sets', adaptationSets],
    ...['-method', 'PUT', '-http_persistent', '1', ...credential(0)],
    ...['-init_seg_name', `init-${runTag}-$RepresentationID$.m4s`],
    ...['-media_seg_name', `seg-${runTag}-$RepresentationID$-$Number%05d$.m4s`],
    `${originUrl}/ingest/${stream}/manifest.mpd`,
    // Each output's options come before its URL: the credential goes first.
    ...extraOutputs.flatMap((output, k) => [...credential(1 + k), ...output]),
  ];
  const fdTexts = [...inputTexts, ...(presets === undefined ? [] : [presets.dash, ...extraOutputs.map(() => presets.http)])];
  return fdTexts.length === 0 ? { args } : { args, fdTexts };
}

/** Options of {@link buildTestSourceArgs}. */
export interface TestSourceArgsOptions {
  /** Base URL ffmpeg reaches the origin at, no trailing slash, e.g. `http://127.0.0.1:8080`. */
  originUrl: string;
  /** Stream name to publish as. */
  stream: string;
  /**
   * Tag put into every segment name of this ffmpeg run (see {@link runTag}).
   * ffmpeg numbers segments from 1 again after each restart, and finished
   * segments are served immutable: without a per-run tag a CDN would keep
   * serving the previous run's bytes for a reused name.
   */
  runTag: string;
  /** TrueType font for the burned-in time; path characters limited to `[A-Za-z0-9/._-]`. */
  fontFile: string;
  /** Ladder, codec, segment duration. @defaultValue the config defaults (4-rung H.264 ladder, 1 s segments) */
  transcode?: TranscodeConfig;
  /** Target latency and playback rates for the manifest. @defaultValue the config defaults (1 s target) */
  latency?: LatencyConfig;
  /** See {@link TranscodeArgsOptions.ingestToken}. */
  ingestToken?: string;
}

/**
 * The ffmpeg argument vector (no shell) of the built-in test source: a
 * 1280x720 30 fps `testsrc2` with a 1 kHz tone, stamped with the capture
 * time, transcoded to the ladder (by default 720p, 480p, 360p, 240p) and
 * published like any other input ({@link buildTranscodeArgs}).
 */
export function buildTestSourceArgs(options: TestSourceArgsOptions): FfmpegInvocation {
  const defaults = options.transcode === undefined || options.latency === undefined ? defaultConfig() : undefined;
  return buildTranscodeArgs({
    input: { testSource: { fontFile: options.fontFile } },
    probe: TEST_SOURCE_PROBE,
    transcode: options.transcode ?? defaults!.transcode,
    latency: options.latency ?? defaults!.latency,
    originUrl: options.originUrl,
    stream: options.stream,
    runTag: options.runTag,
    ...(options.ingestToken === undefined ? {} : { ingestToken: options.ingestToken }),
  });
}
