import { describe, expect, it } from 'vitest';
import {
  aacLayout,
  buildTestSourceArgs,
  buildTranscodeArgs,
  defaultConfig,
  runTag,
  selectRenditions,
  TEST_SOURCE_PROBE,
  timecodeFilterGraph,
  type InputProbe,
  type TranscodeArgsOptions,
} from '../src/index.js';
import { transcoderInitName } from '../src/transcode/ffmpeg-args.js';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
/** The argument vectors alone. */
const transcodeArgs = (options: TranscodeArgsOptions): string[] => buildTranscodeArgs(options).args;
const testSourceArgs = (options: Parameters<typeof buildTestSourceArgs>[0]): string[] => buildTestSourceArgs(options).args;
const config = defaultConfig();

/** The value following `flag` in an argument vector. */
const valueOf = (args: string[], flag: string): string | undefined => {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
};
/** Every value following `flag`. */
const valuesOf = (args: string[], flag: string): string[] => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));

/** A 640x360 input with an English stereo and a German 5.1 track and a subtitle, as probeInput reports it. */
const probe360: InputProbe = {
  video: { index: 0, width: 640, height: 360, sampleAspectRatio: 1, fps: 30, codec: 'h264' },
  audio: [
    { index: 1, language: 'eng', channels: 2, channelLayout: 'stereo', codec: 'aac' },
    { index: 2, language: 'deu', channels: 6, channelLayout: '5.1', codec: 'ac3' },
  ],
  subtitles: [{ index: 3, codec: 'mov_text', language: 'eng', title: null }],
};

const base: TranscodeArgsOptions = {
  input: { args: ['-stream_loop', '-1', '-re', '-i', '/media/in.mp4'] },
  probe: probe360,
  transcode: config.transcode,
  latency: config.latency,
  originUrl: 'http://127.0.0.1:40123',
  stream: 'film',
  runTag: 'mwsqpgy8',
};

describe('selectRenditions', () => {
  it('drops the rungs above the input: a 360p input gets 360p and 240p', () => {
    expect(selectRenditions(config.transcode.ladder, probe360.video!)).toEqual([
      { name: '360p', representationId: '0', width: 640, height: 360, bitrate: 600_000 },
      { name: '240p', representationId: '1', width: 426, height: 240, bitrate: 250_000 },
    ]);
  });

  it('keeps the whole ladder for 720p, highest first, widths even at the display aspect', () => {
    const shuffled = [...config.transcode.ladder].reverse();
    const renditions = selectRenditions(shuffled, { width: 1280, height: 720, sampleAspectRatio: 1 });
    expect(renditions.map((r) => [r.name, r.width, r.height, r.representationId])).toEqual([
      ['720p', 1280, 720, '0'],
      ['480p', 854, 480, '1'],
      ['360p', 640, 360, '2'],
      ['240p', 426, 240, '3'],
    ]);
  });

  it('sizes anamorphic and portrait inputs by their display aspect', () => {
    // DVB 16:9 PAL: 720x576 with 64:45 pixels.
    expect(selectRenditions([{ name: '480p', height: 480, bitrate: 1e6 }], { width: 720, height: 576, sampleAspectRatio: 64 / 45 })[0]!.width).toBe(854);
    expect(selectRenditions(config.transcode.ladder, { width: 720, height: 1280, sampleAspectRatio: 1 })[0]).toMatchObject({ width: 406, height: 720 });
  });

  it('keeps one rendition at the input height when the input is below the lowest rung', () => {
    expect(selectRenditions(config.transcode.ladder, { width: 320, height: 181, sampleAspectRatio: 1 })).toEqual([
      { name: '180p', representationId: '0', width: 318, height: 180, bitrate: 250_000 },
    ]);
  });
});

describe('aacLayout', () => {
  it('keeps layouts AAC has a channel configuration for', () => {
    expect(aacLayout({ channels: 2, channelLayout: 'stereo' })).toEqual({ channels: 2, filter: undefined });
    expect(aacLayout({ channels: 6, channelLayout: '5.1' })).toEqual({ channels: 6, filter: undefined });
    expect(aacLayout({ channels: 8, channelLayout: '7.1' })).toEqual({ channels: 8, filter: undefined });
  });

  it('relabels side surrounds as back surrounds without remixing (AC-3 5.1 decodes as 5.1(side))', () => {
    expect(aacLayout({ channels: 6, channelLayout: '5.1(side)' })).toEqual({ channels: 6, filter: 'channelmap=channel_layout=5.1' });
  });

  it('remixes other layouts to the standard one with as many channels', () => {
    expect(aacLayout({ channels: 3, channelLayout: '2.1' })).toEqual({ channels: 3, filter: 'aformat=channel_layouts=3.0' });
    expect(aacLayout({ channels: 6, channelLayout: null })).toEqual({ channels: 6, filter: 'aformat=channel_layouts=5.1' });
    expect(aacLayout({ channels: 7, channelLayout: '6.1' })).toEqual({ channels: 6, filter: 'aformat=channel_layouts=5.1' });
  });
});

describe('buildTranscodeArgs', () => {
  const args = transcodeArgs(base);
  const graph = valueOf(args, '-filter_complex')!;

  it('reads the input once with its input options, decodes once and splits to the renditions it keeps; its audio follows its timestamps', () => {
    expect(args.filter((arg) => arg === '-i')).toHaveLength(1);
    expect(args.slice(args.indexOf('-i') - 3, args.indexOf('-i') + 2)).toEqual(['-stream_loop', '-1', '-re', '-i', '/media/in.mp4']);
    expect(graph.split(';\n')).toEqual([
      '[0:0]showinfo@frames=checksum=0,format=yuv420p,split=2[s0][s1]',
      '[s0]scale=640:360[v0]',
      '[s1]scale=426:240[v1]',
      // Gaps filled with silence, drift taken up by at most 1000 samples a second.
      '[0:1]aresample=async=1000[a0]',
      '[0:2]aresample=async=1000[a1]',
    ]);
    expect(valuesOf(args, '-map')).toEqual(['[v0]', '[v1]', '[a0]', '[a1]']);
  });

  it('gives every rendition a closed GOP at every segment boundary, no B-frames, zerolatency', () => {
    expect(valueOf(args, '-c:v')).toBe('libx264');
    expect(valueOf(args, '-preset')).toBe('veryfast');
    expect(valueOf(args, '-tune')).toBe('zerolatency');
    expect(valueOf(args, '-bf')).toBe('0');
    // No stream specifier: applies to every video output stream.
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*1)');
    expect(valueOf(args, '-forced-idr')).toBe('1');
    expect(valueOf(args, '-sc_threshold')).toBe('0');
    expect(valueOf(args, '-flags')).toBe('+cgop');
    // x264's own interval stays longer than a segment.
    expect(Number(valueOf(args, '-g'))).toBeGreaterThan(30);
    expect(args.some((arg) => /^-(force_key_frames|g|sc_threshold):/.test(arg))).toBe(false);

    const twoSeconds = transcodeArgs({ ...base, transcode: { ...config.transcode, segmentDuration: 2 } });
    expect(valueOf(twoSeconds, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(valueOf(twoSeconds, '-seg_duration')).toBe('2');
  });

  it('caps each rendition at its bitrate with a one-segment VBV buffer', () => {
    expect(args.join(' ')).toContain('-b:v:0 600000 -maxrate:v:0 600000 -bufsize:v:0 600000 -b:v:1 250000 -maxrate:v:1 250000 -bufsize:v:1 250000');
    const twoSeconds = transcodeArgs({ ...base, transcode: { ...config.transcode, segmentDuration: 2 } });
    expect(valueOf(twoSeconds, '-bufsize:v:0')).toBe('1200000');
  });

  it('carries every audio track as AAC in its own adaptation set with its language, bitrate per channel pair', () => {
    expect(valueOf(args, '-c:a')).toBe('aac');
    expect(valueOf(args, '-b:a:0')).toBe('128000');
    expect(valueOf(args, '-b:a:1')).toBe('384000');
    expect(valueOf(args, '-metadata:s:a:0')).toBe('language=eng');
    expect(valueOf(args, '-metadata:s:a:1')).toBe('language=deu');
    expect(valueOf(args, '-adaptation_sets')).toBe('id=0,streams=v id=1,streams=2 id=2,streams=3');
  });

  it('routes a track whose layout needs fixing through the filter graph', () => {
    const sideProbe: InputProbe = { ...probe360, audio: [{ index: 1, language: null, channels: 6, channelLayout: '5.1(side)', codec: 'ac3' }] };
    const sideArgs = transcodeArgs({ ...base, probe: sideProbe });
    expect(valueOf(sideArgs, '-filter_complex')).toContain('[0:1]aresample=async=1000,channelmap=channel_layout=5.1[a0]');
    expect(valuesOf(sideArgs, '-map')).toEqual(['[v0]', '[v1]', '[a0]']);
    expect(sideArgs.some((arg) => arg.startsWith('-metadata:s:a'))).toBe(false);
  });

  it('publishes low-latency DASH to the stream with persistent chunked PUTs and tagged segment names', () => {
    const joined = args.join(' ');
    expect(joined).toContain('-f dash -ldash 1 -streaming 1 -frag_type every_frame -seg_duration 1');
    expect(valueOf(args, '-write_prft')).toBe('1');
    expect(valueOf(args, '-target_latency')).toBe('1');
    expect(valueOf(args, '-min_playback_rate')).toBe('0.9');
    expect(valueOf(args, '-max_playback_rate')).toBe('1.15');
    expect(valueOf(args, '-method')).toBe('PUT');
    expect(valueOf(args, '-http_persistent')).toBe('1');
    expect(valueOf(args, '-utc_timing_url')).toBe('http://127.0.0.1:40123/time');
    expect(valueOf(args, '-init_seg_name')).toBe('init-mwsqpgy8-$RepresentationID$.m4s');
    expect(valueOf(args, '-media_seg_name')).toBe('seg-mwsqpgy8-$RepresentationID$-$Number%05d$.m4s');
    expect(args.at(-1)).toBe('http://127.0.0.1:40123/ingest/film/manifest.mpd');
    expect(valueOf(args, '-progress')).toBe('pipe:1');
    expect(valueOf(args, '-http_opts')).toBeUndefined();
    // Players re-read the MPD every 2 s, so they see an ended or restarted stream (ffmpeg's default is 500 s).
    expect(valueOf(args, '-update_period')).toBe('2');
  });

  it('gives every output the ingest token as a bearer header in a preset on a file descriptor, never in the arguments', () => {
    const subtitles = [['-map', '0:3', '-c:s', 'webvtt', '-f', 'webvtt', 'http://o/ingest/film/subs.vtt']];
    const { args: withToken, fdTexts } = buildTranscodeArgs({ ...base, input: { args: ['-i', 'pipe:0'], fdTexts: ['input list'] }, ingestToken: 'k3y_ABC-12.x', subtitleOutputs: subtitles });
    expect(withToken.join(' ')).not.toContain('k3y_ABC-12.x');
    expect(valueOf(withToken, '-http_opts')).toBeUndefined();
    // The input's own text first, then one preset for the DASH output and one per further output.
    expect(valuesOf(withToken, '-fpre')).toEqual(['/dev/fd/4', '/dev/fd/5']);
    expect(fdTexts).toEqual(['input list', 'http_opts=headers=Authorization\\: Bearer k3y_ABC-12.x\n', 'headers=Authorization: Bearer k3y_ABC-12.x\n']);
    expect(withToken.slice(-10)).toEqual(['http://127.0.0.1:40123/ingest/film/manifest.mpd', '-fpre', '/dev/fd/5', ...subtitles[0]!]);
    expect(() => buildTranscodeArgs({ ...base, ingestToken: 'a b\r\nX-Evil: 1' })).toThrow(/token68/);
  });

  it('appends subtitle outputs after the DASH output', () => {
    const withSubtitles = transcodeArgs({ ...base, subtitleOutputs: [['-map', '0:3', '-c:s', 'webvtt', '-f', 'webvtt', 'http://o/ingest/film/subs.vtt']] });
    expect(withSubtitles.slice(-8)).toEqual(['http://127.0.0.1:40123/ingest/film/manifest.mpd', '-map', '0:3', '-c:s', 'webvtt', '-f', 'webvtt', 'http://o/ingest/film/subs.vtt']);
  });

  it('leaves out audio options and adaptation sets for an input without audio', () => {
    const silent = transcodeArgs({ ...base, probe: { ...probe360, audio: [] } });
    expect(valueOf(silent, '-c:a')).toBeUndefined();
    expect(valueOf(silent, '-adaptation_sets')).toBe('id=0,streams=v');
  });

  it("puts a constant-rate input's frames on the output slots nearest their timestamps, at its standard rate", () => {
    const graphAt = (fps: number | null, nominalFps: number | null): string =>
      valueOf(transcodeArgs({ ...base, probe: { ...probe360, video: { ...probe360.video!, fps, nominalFps } } }), '-filter_complex')!;
    expect(graphAt(30, 30)).toMatch(/^\[0:0\]showinfo@frames=checksum=0,format=yuv420p,fps=30,split=2/);
    expect(graphAt(29.97, 29.97)).toContain(',fps=30000/1001,');
    expect(graphAt(25, 25)).toContain(',fps=25,');
    // The two rates disagree (a file whose average counts an edit list; a variable-rate phone stream): its own timing.
    expect(graphAt(29.97, 30)).not.toContain('fps=');
    expect(graphAt(29.6, null)).not.toContain('fps=');
    expect(graphAt(27.3, 27.3)).not.toContain('fps=');
  });

  it('converts the frame rate once, before the split, when the config sets one', () => {
    const at25 = transcodeArgs({ ...base, transcode: { ...config.transcode, fps: 25 } });
    expect(valueOf(at25, '-filter_complex')).toMatch(/^\[0:0\]showinfo@frames=checksum=0,format=yuv420p,fps=25,split=2/);
    expect(valueOf(at25, '-g')).toBe('50');
  });

  it('encodes AV1 with libsvtav1 in low-delay mode, a key frame interval of one segment at a constant rate', () => {
    const av1 = transcodeArgs({ ...base, probe: { ...probe360, video: { ...probe360.video!, fps: 29.97 } }, transcode: { ...config.transcode, codec: 'av1', preset: 10 } });
    expect(valueOf(av1, '-c:v')).toBe('libsvtav1');
    expect(valueOf(av1, '-preset')).toBe('10');
    expect(valueOf(av1, '-svtav1-params')).toBe('pred-struct=1:rc=2');
    expect(valueOf(av1, '-g')).toBe('30');
    expect(valueOf(av1, '-filter_complex')).toContain('fps=30,');
    expect(valueOf(av1, '-b:v:1')).toBe('250000');
    expect(valueOf(av1, '-tune')).toBeUndefined();
    expect(() =>
      transcodeArgs({ ...base, transcode: { ...config.transcode, codec: 'av1', preset: 10, fps: 24, segmentDuration: 0.3 } }),
    ).toThrow(/whole number of frames per segment: 24 fps × 0.3 s = 7.2/);
  });

  it('refuses an input without video', () => {
    expect(() => transcodeArgs({ ...base, probe: { ...probe360, video: null } })).toThrow(/no video stream/);
  });

  it('is an argument vector: no shell quoting anywhere', () => {
    expect(args.some((arg) => /^["'].*["']$/.test(arg))).toBe(false);
  });
});

describe('buildTestSourceArgs', () => {
  const args = testSourceArgs({ originUrl: 'http://127.0.0.1:40123', stream: 'demo', runTag: 'mwsqpgy8', fontFile: FONT });

  it('stamps the 720p30 test pattern once and splits it to the default 4-rung ladder', () => {
    expect(valuesOf(args, '-i')).toEqual(['testsrc2=size=1280x720:rate=30', 'sine=frequency=1000:sample_rate=48000']);
    const graph = valueOf(args, '-filter_complex')!;
    expect(graph.startsWith(`${timecodeFilterGraph(FONT)};\n[v]split=4[s0][s1][s2][s3];`)).toBe(true);
    expect(graph).toContain('[s0]scale=1280:720[v0]');
    expect(graph).toContain('[s3]scale=426:240[v3]');
    expect(valuesOf(args, '-map')).toEqual(['[v0]', '[v1]', '[v2]', '[v3]', '1:0']);
    expect(args.join(' ')).toContain('-b:v:0 2500000');
    expect(args.join(' ')).toContain('-b:v:3 250000');
    expect(valueOf(args, '-g')).toBe('60');
    expect(valueOf(args, '-adaptation_sets')).toBe('id=0,streams=v id=1,streams=4');
    expect(args.at(-1)).toBe('http://127.0.0.1:40123/ingest/demo/manifest.mpd');
  });

  it('takes the ladder and latency from the config', () => {
    const one = testSourceArgs({
      originUrl: 'http://o',
      stream: 'demo',
      runTag: 't',
      fontFile: FONT,
      transcode: { ...config.transcode, ladder: [{ name: '360p', height: 360, bitrate: 500_000 }] },
      latency: { ...config.latency, target: 2 },
    });
    expect(valueOf(one, '-filter_complex')).toContain('[v]null[s0];\n[s0]scale=640:360[v0]');
    expect(valueOf(one, '-target_latency')).toBe('2');
  });

  it('describes itself to the ladder as 1280x720 at 30 fps with one mono track', () => {
    expect(TEST_SOURCE_PROBE.video).toMatchObject({ width: 1280, height: 720, fps: 30 });
    expect(TEST_SOURCE_PROBE.audio).toEqual([expect.objectContaining({ index: 0, channels: 1 })]);
  });
});

describe('timecodeFilterGraph', () => {
  it('is the graph proven to stamp RTCTIME into the strip and the text, and to report every frame\'s capture time', () => {
    expect(timecodeFilterGraph('/fonts/Mono.ttf')).toBe(
      [
        '[0:v]settb=1/1000,setpts=RTCTIME/1000,split=3[m][s][c];',
        '[c]showinfo@capture=checksum=0,nullsink;',
        '[s]crop=1024:32:0:0,format=gray,geq=lum=255*mod(floor(mod(T*1000\\,4294967296)/pow(2\\,31-floor(X/32)))\\,2)[strip];',
        "[m][strip]overlay=0:0,drawtext=fontfile=/fonts/Mono.ttf:fontsize=40:fontcolor=white:box=1:boxcolor=black@0.7:x=20:y=60:text=\\'%{pts:gmtime:0:%H\\\\:%M\\\\:%S}.%{eif:mod(t*1000\\,1000):d:3} UTC\\',settb=1/30,setpts=N,format=yuv420p[v]",
      ].join('\n'),
    );
  });

  it('refuses a font path the graph would have to escape', () => {
    expect(() => timecodeFilterGraph("/fonts/it's:here.ttf")).toThrow(/escaped/);
  });
});

describe('transcoderInitName', () => {
  it("names the init segment of the transcoder's media segment, and nothing else", () => {
    expect(transcoderInitName('seg-mwsqpgy8-0-00012.m4s')).toBe('init-mwsqpgy8-0.m4s');
    expect(transcoderInitName('chunk-stream0-00001.m4s')).toBeUndefined();
  });
});

describe('runTag', () => {
  it('is the start time in base 36, distinct per millisecond, and valid in a file name', () => {
    expect(runTag(1_795_406_556_175)).toBe((1_795_406_556_175).toString(36));
    expect(runTag(1)).not.toBe(runTag(2));
    expect(runTag()).toMatch(/^[a-z0-9]+$/);
  });
});
