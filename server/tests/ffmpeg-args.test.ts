import { describe, expect, it } from 'vitest';
import { buildTestSourceArgs, runTag, timecodeFilterGraph } from '../src/index.js';

const options = {
  originUrl: 'http://127.0.0.1:40123',
  stream: 'demo',
  runTag: 'mwsqpgy8',
  fontFile: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
};

/** The value following `flag` in an argument vector. */
const valueOf = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

describe('buildTestSourceArgs', () => {
  const args = buildTestSourceArgs(options);

  it('publishes to the given origin and stream with persistent chunked PUTs', () => {
    expect(args.at(-1)).toBe('http://127.0.0.1:40123/ingest/demo/manifest.mpd');
    expect(valueOf(args, '-method')).toBe('PUT');
    expect(valueOf(args, '-http_persistent')).toBe('1');
    expect(valueOf(args, '-utc_timing_url')).toBe('http://127.0.0.1:40123/time');
  });

  it('puts the run tag into every segment name, in names the ingest route accepts', () => {
    expect(valueOf(args, '-init_seg_name')).toBe('init-mwsqpgy8-$RepresentationID$.m4s');
    expect(valueOf(args, '-media_seg_name')).toBe('seg-mwsqpgy8-$RepresentationID$-$Number%05d$.m4s');
  });

  it('asks for low-latency DASH: one CMAF chunk per frame, 1 s segments, PRFT, no B-frames, a key frame per segment', () => {
    expect(valueOf(args, '-f')).toBe('lavfi');
    expect(args.join(' ')).toContain('-f dash -ldash 1 -streaming 1 -frag_type every_frame -seg_duration 1');
    expect(valueOf(args, '-write_prft')).toBe('1');
    expect(valueOf(args, '-tune')).toBe('zerolatency');
    expect(valueOf(args, '-bf')).toBe('0');
    expect(valueOf(args, '-g')).toBe('30');
    expect(valueOf(args, '-r')).toBe('30');
    expect(valueOf(args, '-i')).toBe('testsrc2=size=1280x720:rate=30');
    expect(valueOf(args, '-adaptation_sets')).toBe('id=0,streams=v id=1,streams=a');
  });

  it('is an argument vector: no shell quoting anywhere', () => {
    expect(args.some((arg) => /^["'].*["']$/.test(arg))).toBe(false);
    expect(valueOf(args, '-filter_complex')).toBe(timecodeFilterGraph(options.fontFile));
  });
});

describe('timecodeFilterGraph', () => {
  it('is the graph proven to stamp RTCTIME into the strip and the text', () => {
    expect(timecodeFilterGraph('/fonts/Mono.ttf')).toBe(
      [
        '[0:v]settb=1/1000,setpts=RTCTIME/1000,split[m][s];',
        '[s]crop=1024:32:0:0,format=gray,geq=lum=255*mod(floor(mod(T*1000\\,4294967296)/pow(2\\,31-floor(X/32)))\\,2)[strip];',
        "[m][strip]overlay=0:0,drawtext=fontfile=/fonts/Mono.ttf:fontsize=40:fontcolor=white:box=1:boxcolor=black@0.7:x=20:y=60:text=\\'%{pts:gmtime:0:%H\\\\:%M\\\\:%S}.%{eif:mod(t*1000\\,1000):d:3} UTC\\',settb=1/30,setpts=N,format=yuv420p[v]",
      ].join('\n'),
    );
  });

  it('refuses a font path the graph would have to escape', () => {
    expect(() => timecodeFilterGraph("/fonts/it's:here.ttf")).toThrow(/escaped/);
  });
});

describe('runTag', () => {
  it('is the start time in base 36, distinct per millisecond, and valid in a file name', () => {
    expect(runTag(1_795_406_556_175)).toBe((1_795_406_556_175).toString(36));
    expect(runTag(1)).not.toBe(runTag(2));
    expect(runTag()).toMatch(/^[a-z0-9]+$/);
  });
});
