import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureClock, captureReferenceFixup, parseCaptureLine, type CaptureReference } from '../src/packaging/capture-reference.js';
import { prepareManifest } from '../src/packaging/manifest.js';

const run = promisify(execFile);
const schema = fileURLToPath(new URL('./fixtures/dash-schema/DASH-MPD.xsd', import.meta.url));
/** A live MPD captured from buildTranscodeArgs' ffmpeg: 360p + 240p, eng stereo + deu 5.1. */
const ladderFixture = fileURLToPath(new URL('./fixtures/ffmpeg-ladder-live.mpd', import.meta.url));

describe('parseCaptureLine', () => {
  const line = (n: number, pts: number): string =>
    `[showinfo@capture @ 0x55655c192b40] [info] n:${String(n).padStart(4)} pts:${pts} pts_time:1.79542e+09 pos:       -1 fmt:yuv420p sar:1/1 s:320x240 i:P iskey:1 type:I`;

  it('reads the frame (its presentation time at the frame rate) and its capture time in ms', () => {
    expect(parseCaptureLine(line(0, 1795420686988), 30)).toEqual({ mediaTime: 0, captureTime: 1795420686988 });
    expect(parseCaptureLine(line(360, 1795420699001), 30)).toEqual({ mediaTime: 12, captureTime: 1795420699001 });
    expect(parseCaptureLine(line(45, 1795420699001), 30)).toEqual({ mediaTime: 1.5, captureTime: 1795420699001 });
  });

  it('ignores every other line, including other showinfo instances and its own config lines', () => {
    for (const other of [
      '[showinfo@capture @ 0x55655c192b40] [info] config in time_base: 1/1000, frame_rate: 30/1',
      '[showinfo@capture @ 0x55655c192b40] [info] color_range:unknown color_space:unknown',
      '[Parsed_showinfo_3 @ 0x55655c192b40] [info] n:   1 pts:1795420687994 pts_time:1.79542e+09',
      '[dash @ 0x55d0] [info] Opening \'http://127.0.0.1/ingest/demo/seg-1.m4s\' for writing',
      '',
    ]) {
      expect(parseCaptureLine(other, 30)).toBeUndefined();
    }
  });
});

describe('CaptureClock', () => {
  const base = 1_795_420_000_000;

  it('states the MPD relation as the median of the last points: one late frame does not move it, a lasting change does', () => {
    const clock = new CaptureClock(5);
    expect(clock.reference).toBeUndefined();
    // On schedule, except two frames that entered 400 and 900 ms late (ffmpeg behind for a moment).
    for (const [second, late] of [[1, 0], [2, 3], [3, 400], [4, 1], [5, 900]] as const) {
      clock.add({ mediaTime: second, captureTime: base + second * 1000 + late });
    }
    expect(clock.reference).toEqual({ mediaTime: 5, captureTime: base + 5000 + 3 });
    for (const second of [6, 7, 8]) clock.add({ mediaTime: second, captureTime: base + second * 1000 + 200 });
    expect(clock.reference).toEqual({ mediaTime: 8, captureTime: base + 8000 + 200 });
    clock.reset();
    expect(clock.reference).toBeUndefined();
  });

  it("answers each frame with its own capture time, interpolates between points, and extrapolates from the nearest", () => {
    const clock = new CaptureClock(3);
    expect(clock.captureAt(1)).toBeUndefined();
    // ffmpeg at 0.9x real time: frames enter later and later.
    for (let frame = 0; frame <= 30; frame += 1) clock.add({ mediaTime: frame / 30, captureTime: base + Math.round((frame / 30 / 0.9) * 1000) });
    expect(clock.captureAt(15 / 30)).toBe(base + Math.round((0.5 / 0.9) * 1000));
    expect(clock.captureAt(0.51)).toBeCloseTo(base + (0.51 / 0.9) * 1000, -1);
    // Past the newest point: its relation, one second of media a second of wall clock.
    expect(clock.captureAt(2)).toBe(base + Math.round((1 / 0.9) * 1000) + 1000);
    expect(clock.captureAt(-1)).toBe(base - 1000);
  });

  it('fixes the capture time of media time 0 once it has historySize points, until reset', () => {
    const clock = new CaptureClock(3);
    clock.add({ mediaTime: 0, captureTime: base + 50 });
    clock.add({ mediaTime: 1, captureTime: base + 1040 });
    expect(clock.origin).toBeUndefined();
    clock.add({ mediaTime: 2, captureTime: base + 2045 });
    expect(clock.origin).toBe(base + 45);
    clock.add({ mediaTime: 3, captureTime: base + 3900 });
    expect(clock.origin).toBe(base + 45);
    // A repeated or older report is no new point.
    clock.add({ mediaTime: 3, captureTime: base });
    expect(clock.captureAt(3)).toBe(base + 3900);
    clock.reset();
    expect(clock.origin).toBeUndefined();
  });
});

describe('captureReferenceFixup', () => {
  let ladderMpd: string;
  let workDir: string;
  beforeAll(async () => {
    ladderMpd = await readFile(ladderFixture, 'utf8');
    workDir = await mkdtemp(join(tmpdir(), 'llstream-capture-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  const reference: CaptureReference = { mediaTime: 7, captureTime: Date.parse('2026-11-23T07:59:31.227Z') };
  const serve = (value: CaptureReference | undefined): string =>
    prepareManifest(ladderMpd, { fixups: [captureReferenceFixup(() => value)] }).render('http://origin.test/time');
  const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
  const prfts = (parent: Element) => [...parent.getElementsByTagName('ProducerReferenceTime')];

  it('adds a captured PRFT to every Representation, in its own timescale, and relabels the muxer\'s as encoder', () => {
    const document = parse(serve(reference));
    const representations = [...document.getElementsByTagName('Representation')];
    expect(representations.length).toBeGreaterThan(2);
    for (const representation of representations) {
      const own = prfts(representation as unknown as Element);
      const captured = own.filter((prft) => prft.getAttribute('type') === 'captured');
      expect(captured).toHaveLength(1);
      expect(own.filter((prft) => prft.getAttribute('type') === 'encoder')).toHaveLength(own.length - 1);
      const [prft] = captured;
      expect(prft!.getAttribute('inband')).toBe('false');
      expect(prft!.getAttribute('wallClockTime')).toBe('2026-11-23T07:59:31.227Z');
      const timescale = Number(representation.getElementsByTagName('SegmentTemplate')[0]!.getAttribute('timescale'));
      expect(Number(prft!.getAttribute('presentationTime'))).toBe(7 * timescale);
      // Its clock: the origin's /time, as every other UTCTiming in the served MPD.
      expect(prft!.getElementsByTagName('UTCTiming')[0]!.getAttribute('value')).toBe('http://origin.test/time');
    }
    const ids = prfts(document.documentElement as unknown as Element).map((prft) => prft.getAttribute('id'));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('points Latency@referenceId at the captured PRFT of the Representation it named before', () => {
    const before = parse(serve(undefined));
    const oldId = before.getElementsByTagName('Latency')[0]!.getAttribute('referenceId');
    const holder = prfts(before.documentElement as unknown as Element).find((prft) => prft.getAttribute('id') === oldId)!.parentNode as unknown as Element;
    const representationId = holder.getAttribute('id');

    const after = parse(serve(reference));
    const newId = after.getElementsByTagName('Latency')[0]!.getAttribute('referenceId');
    const referenced = prfts(after.documentElement as unknown as Element).find((prft) => prft.getAttribute('id') === newId)!;
    expect(referenced.getAttribute('type')).toBe('captured');
    expect((referenced.parentNode as unknown as Element).getAttribute('id')).toBe(representationId);
  });

  it('moves availabilityStartTime of a dynamic MPD to the capture time of media time 0', () => {
    const served = prepareManifest(ladderMpd, { fixups: [captureReferenceFixup(() => reference, () => Date.parse('2026-11-23T07:59:24.200Z'))] }).render('http://origin.test/time');
    expect(parse(served).documentElement!.getAttribute('availabilityStartTime')).toBe('2026-11-23T07:59:24.200Z');
  });

  it("keeps the session's availabilityStartTime in the static MPD ffmpeg writes when the input ends", () => {
    const final = ladderMpd.replace('type="dynamic"', 'type="static"');
    expect(final).not.toBe(ladderMpd);
    const served = prepareManifest(final, { fixups: [captureReferenceFixup(() => reference, () => Date.parse('2026-11-23T07:59:24.200Z'))] }).render('http://origin.test/time');
    expect(parse(served).documentElement!.getAttribute('availabilityStartTime')).toBe('2026-11-23T07:59:24.200Z');
  });

  it('leaves the manifest as the publisher wrote it without a reference', () => {
    expect(serve(undefined)).toBe(prepareManifest(ladderMpd).render('http://origin.test/time'));
  });

  it('still validates against the DASH MPD schema (xmllint)', async () => {
    const file = join(workDir, 'captured.mpd');
    await writeFile(file, serve(reference));
    // Rejects (non-zero exit) with xmllint's complaint if it does not validate.
    const { stderr } = await run('xmllint', ['--noout', '--nonet', '--schema', schema, file]);
    expect(stderr).toContain('validates');
  });
});
