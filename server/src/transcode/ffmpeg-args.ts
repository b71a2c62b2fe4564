/** Font for the burned-in time text: Debian/Ubuntu package `fonts-dejavu-core`. */
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

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
}

/** A per-run tag: the start time in milliseconds, base 36 (8 characters until the year 2059). */
export function runTag(now: number = Date.now()): string {
  return now.toString(36);
}

/**
 * The capture-time stamp of ../shared/spec/timecode-strip.md as an ffmpeg
 * filter graph (input `[0:v]`, output `[v]`):
 *
 * 1. `setpts=RTCTIME/1000` at timebase 1/1000: each frame's pts becomes the
 *    wall-clock time in ms at which it entered the pipeline.
 * 2. The 32 blocks of 32x32 px across the top left: block i is white when bit
 *    31 - i of (pts mod 2^32) is set, drawn by `geq` on a gray crop and overlaid.
 * 3. The same time as text, HH:MM:SS.mmm UTC, for people.
 * 4. Back to a 30 fps frame-count timebase for the encoder.
 */
export function timecodeFilterGraph(fontFile: string): string {
  if (!/^[A-Za-z0-9/._-]+$/.test(fontFile)) {
    throw new Error(`font path ${JSON.stringify(fontFile)} has characters the ffmpeg filter graph would need escaped`);
  }
  return [
    '[0:v]settb=1/1000,setpts=RTCTIME/1000,split[m][s];',
    '[s]crop=1024:32:0:0,format=gray,geq=lum=255*mod(floor(mod(T*1000\\,4294967296)/pow(2\\,31-floor(X/32)))\\,2)[strip];',
    `[m][strip]overlay=0:0,drawtext=fontfile=${fontFile}:fontsize=40:fontcolor=white:box=1:boxcolor=black@0.7:x=20:y=60:` +
      "text=\\'%{pts:gmtime:0:%H\\\\:%M\\\\:%S}.%{eif:mod(t*1000\\,1000):d:3} UTC\\'," +
      'settb=1/30,setpts=N,format=yuv420p[v]',
  ].join('\n');
}

/**
 * The ffmpeg argument vector (no shell) of the built-in test source: a
 * 1280x720 30 fps `testsrc2` with a 1 kHz tone, stamped with the capture
 * time, encoded with libx264 zerolatency (no B-frames, a key frame every
 * 30 frames = every 1 s segment) and AAC, packaged by the dash muxer in
 * low-latency mode (one CMAF chunk per frame, PRFT, target latency 1 s) and
 * pushed to the origin's ingest route with chunked PUTs on persistent
 * connections. The manifest keeps a 5 s window; ffmpeg deletes segments 3
 * past it.
 */
export function buildTestSourceArgs(options: TestSourceArgsOptions): string[] {
  const { originUrl, stream, runTag: tag, fontFile } = options;
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'],
    ...['-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
    ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000'],
    ...['-filter_complex', timecodeFilterGraph(fontFile), '-map', '[v]', '-map', '1:a'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '0'],
    ...['-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-b:v', '2500k', '-r', '30'],
    ...['-c:a', 'aac', '-b:a', '128k'],
    ...['-f', 'dash', '-ldash', '1', '-streaming', '1', '-frag_type', 'every_frame', '-seg_duration', '1'],
    ...['-write_prft', '1', '-target_latency', '1', '-use_timeline', '0', '-use_template', '1'],
    ...['-window_size', '5', '-extra_window_size', '3'],
    ...['-utc_timing_url', `${originUrl}/time`, '-adaptation_sets', 'id=0,streams=v id=1,streams=a'],
    ...['-method', 'PUT', '-http_persistent', '1'],
    ...['-init_seg_name', `init-${tag}-$RepresentationID$.m4s`],
    ...['-media_seg_name', `seg-${tag}-$RepresentationID$-$Number%05d$.m4s`],
    `${originUrl}/ingest/${stream}/manifest.mpd`,
  ];
}
