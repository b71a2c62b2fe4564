import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { pino } from 'pino';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { prepareManifest, SegmentStore, SubtitleFileError, SubtitlePackager, type Segment } from '../src/index.js';
import { liveManifest } from './helpers.js';
import { parseWvtt } from './subtitles-helpers.js';

const run = promisify(execFile);
const schema = fileURLToPath(new URL('./fixtures/dash-schema/DASH-MPD.xsd', import.meta.url));
const ffmpegFixture = fileURLToPath(new URL('./fixtures/ffmpeg-live.mpd', import.meta.url));
const GRACE = 100;

/** A dynamic MPD like ffmpeg's low-latency one: video `v` (timescale 1000, 1 s segments) and audio `a`. */
const manifest = (tag: string, availabilityStartTime = new Date()): string =>
  liveManifest({ tag, availabilityStartTime, audio: true, lowLatency: true });

/** The text track names the served manifest announces (first text AdaptationSet). */
function textNames(served: string): { init: string; media: (number: number) => string } {
  const template = textAdaptationSets(served)[0]!.getElementsByTagName('SegmentTemplate')[0]!;
  const media = template.getAttribute('media')!;
  return { init: template.getAttribute('initialization')!, media: (n) => media.replace('$Number%05d$', String(n).padStart(5, '0')) };
}

const videoName = (tag: string, number: number): string => `seg-${tag}-v-${String(number).padStart(5, '0')}.m4s`;

function textAdaptationSets(xml: string): Element[] {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  return [...document.getElementsByTagName('AdaptationSet')].filter((set) => set.getAttribute('contentType') === 'text');
}

async function bytesOf(segment: Segment): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of segment.createReader()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('SubtitlePackager', () => {
  let store: SegmentStore;
  let packager: SubtitlePackager;
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'llstream-subs-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));
  /** Ticks are driven by the tests; chunks before a segment's end only where a test asks for them. */
  const setUp = (chunkInterval = 1_000_000): void => {
    store = new SegmentStore({ sweepInterval: 1_000_000 });
    packager = new SubtitlePackager({ store, logger: pino({ level: 'silent' }), pollInterval: 1_000_000, cueGrace: GRACE, chunkInterval });
  };
  afterEach(() => {
    packager?.close();
    store?.close();
  });

  const publish = (stream: string, xml: string): string => {
    const prepared = prepareManifest(xml, { fixups: [packager.manifestFixup(stream)] });
    store.putManifest(stream, 'manifest.mpd', prepared);
    return prepared.render('http://origin.test/time');
  };

  const liveUpload = (stream: string, id = 's2', language = 'eng', label: string | undefined = 'English') => {
    const upload = packager.openUpload(stream, { id, language, label });
    upload.write(Buffer.from('WEBVTT\n'));
    return upload;
  };
  const cueText = (start: string, end: string, text: string): Buffer => Buffer.from(`\n${start} --> ${end}\n${text}\n`);

  it('leaves a manifest alone while the stream has no text track', () => {
    setUp();
    expect(textAdaptationSets(publish('demo', manifest('r1')))).toEqual([]);
  });

  it('adds a text AdaptationSet per track that follows the video SegmentTemplate, and the result validates against the schema', async () => {
    setUp();
    liveUpload('demo');
    await writeFile(join(workDir, 'de.vtt'), 'WEBVTT\n\n00:01.000 --> 00:02.000\nHallo\n');
    await packager.attachSidecar('demo', { path: join(workDir, 'de.vtt'), language: 'de', label: 'Deutsch' });
    const served = publish('demo', manifest('r1'));
    const sets = textAdaptationSets(served);
    expect(sets.map((set) => [set.getAttribute('id'), set.getAttribute('lang'), set.getAttribute('mimeType'), set.getAttribute('codecs')])).toEqual([
      ['2', 'eng', 'application/mp4', 'wvtt'],
      ['3', 'de', 'application/mp4', 'wvtt'],
    ]);
    const [english] = sets;
    expect(english!.getElementsByTagName('Label')[0]?.textContent).toBe('English');
    const role = english!.getElementsByTagName('Role')[0]!;
    expect([role.getAttribute('schemeIdUri'), role.getAttribute('value')]).toEqual(['urn:mpeg:dash:role:2011', 'subtitle']);
    const template = english!.getElementsByTagName('SegmentTemplate')[0]!;
    const runKey = /^subs-(\w+)-s2-init\.m4s$/.exec(template.getAttribute('initialization') ?? '')?.[1];
    expect(runKey).toMatch(/^\w{8}$/);
    expect(Object.fromEntries(['timescale', 'duration', 'startNumber', 'availabilityTimeOffset', 'availabilityTimeComplete', 'media'].map((a) => [a, template.getAttribute(a)]))).toEqual({
      timescale: '1000',
      duration: '1000',
      startNumber: '1',
      availabilityTimeOffset: '0.967',
      availabilityTimeComplete: 'false',
      media: `subs-${runKey}-s2-$Number%05d$.m4s`,
    });
    // The store's hold rule and window read the text Representations too.
    expect(store.stream('demo')?.manifest('manifest.mpd')?.info.representations.map((r) => r.id)).toEqual(['v', 'a', 'subs-s2', 'subs-vtt0']);

    // ffmpeg's own live MPD, with a text track added, still validates.
    const ffmpegServed = publish('demo', await readFile(ffmpegFixture, 'utf8'));
    const file = join(workDir, 'with-text.mpd');
    await writeFile(file, ffmpegServed);
    const { stderr } = await run('xmllint', ['--noout', '--nonet', '--schema', schema, file]);
    expect(stderr).toContain('validates');
    expect(textAdaptationSets(ffmpegServed)).toHaveLength(2);
  });

  it('begins text segment N with video segment N and writes it, with its cues, once video N is complete plus the grace', async () => {
    setUp();
    const upload = liveUpload('demo');
    const served = publish('demo', manifest('r1'));
    const media = textAdaptationSets(served)[0]!.getElementsByTagName('SegmentTemplate')[0]!.getAttribute('media')!;
    const textName = (n: number): string => media.replace('$Number%05d$', String(n).padStart(5, '0'));
    const init = textAdaptationSets(served)[0]!.getElementsByTagName('SegmentTemplate')[0]!.getAttribute('initialization')!;

    const held = store.stream('demo')!.waitForSegment(textName(1));
    const video1 = store.beginSegment('demo', videoName('r1', 1));
    packager.tick(1000);
    expect(await held).toBe(store.stream('demo')!.segment(textName(1)));
    expect(store.stream('demo')!.segment(textName(1))?.state).toBe('uploading');
    expect(store.stream('demo')!.segment(init)?.state).toBe('complete');

    upload.write(cueText('00:00.500', '00:01.200', 'first cue'));
    upload.write(cueText('00:01.600', '00:02.400', 'spans a boundary'));
    video1.finish();
    packager.tick(1010);
    expect(store.stream('demo')!.segment(textName(1))?.state).toBe('uploading');
    packager.tick(1010 + GRACE);
    const text1 = store.stream('demo')!.segment(textName(1))!;
    expect(text1.state).toBe('complete');

    // Video 2 starts; a late cue for segment 2 still makes it in before video 2 completes.
    const video2 = store.beginSegment('demo', videoName('r1', 2));
    packager.tick(1200);
    upload.write(cueText('00:02.900', '00:03.100', 'just before the boundary'));
    video2.finish();
    packager.tick(1300);
    packager.tick(1300 + GRACE);
    // Video 3 starts and completes; no cue at all.
    store.beginSegment('demo', videoName('r1', 3)).finish();
    packager.tick(2000);
    packager.tick(2000 + GRACE);

    const initBytes = await bytesOf(store.stream('demo')!.segment(init)!);
    const parsed = (n: number) => parseWvtt(initBytes, (store.stream('demo')!.segment(textName(n)) as Segment).chunkAt(0)!);
    const summary = (n: number) =>
      parsed(n).samples.map((s) => ({ from: s.dts, to: s.dts + s.duration, text: s.cues.map((c) => c.payl) }));
    expect(parsed(1).baseMediaDecodeTimes).toEqual([0]);
    expect(summary(1)).toEqual([
      { from: 0, to: 500, text: [] },
      { from: 500, to: 1000, text: ['first cue'] },
    ]);
    expect(summary(2)).toEqual([
      { from: 1000, to: 1200, text: ['first cue'] },
      { from: 1200, to: 1600, text: [] },
      { from: 1600, to: 2000, text: ['spans a boundary'] },
    ]);
    expect(summary(3)).toEqual([
      { from: 2000, to: 2400, text: ['spans a boundary'] },
      { from: 2400, to: 2900, text: [] },
      { from: 2900, to: 3000, text: ['just before the boundary'] },
    ]);
    expect(parsed(2).sequenceNumbers).toEqual([2]);
    // 4 does not exist yet: nothing was started for it.
    expect(store.stream('demo')!.segment(textName(4))).toBeUndefined();
  });

  it('sends a chunk with the cues so far while the video segment uploads, none for a quiet stretch', async () => {
    setUp(250);
    const upload = liveUpload('demo');
    const names = textNames(publish('demo', manifest('r1')));
    const video = store.beginSegment('demo', videoName('r1', 1));
    const t0 = video.startedAt;
    packager.tick(t0);
    const text = store.stream('demo')!.segment(names.media(1))!;
    upload.write(cueText('00:00.350', '00:00.900', 'early'));
    // 300 ms in: the video has got to 0.2 s (less the grace); nothing shows before 0.35 s.
    packager.tick(t0 + 300);
    expect(text.chunkCount).toBe(0);
    // 600 ms in: up to 0.5 s, with the cue from 0.35 s.
    packager.tick(t0 + 600);
    expect(text.chunkCount).toBe(1);
    expect(text.state).toBe('uploading');
    // Not again within the chunk interval.
    packager.tick(t0 + 700);
    expect(text.chunkCount).toBe(1);
    video.finish();
    packager.tick(t0 + 1000);
    packager.tick(t0 + 1000 + GRACE);
    expect(text.state).toBe('complete');
    expect(text.chunkCount).toBe(2);
    const parsed = parseWvtt(await bytesOf(store.stream('demo')!.segment(names.init)!), await bytesOf(text));
    expect(parsed.baseMediaDecodeTimes).toEqual([0, 500]);
    expect(parsed.sequenceNumbers).toEqual([1, 2]);
    expect(parsed.samples.map((s) => [s.dts, s.duration, s.cues.map((c) => c.payl)])).toEqual([
      [0, 350, []],
      [350, 150, ['early']],
      [500, 400, ['early']],
      [900, 100, []],
    ]);
  });

  it('writes an empty (vtte) segment for every number and aborts text N when video N breaks off', async () => {
    setUp();
    liveUpload('demo');
    const names = textNames(publish('demo', manifest('r1')));
    store.beginSegment('demo', videoName('r1', 1)).finish();
    const video2 = store.beginSegment('demo', videoName('r1', 2));
    packager.tick(0);
    packager.tick(GRACE);
    const live = store.stream('demo')!;
    const empty = parseWvtt(await bytesOf(live.segment(names.init)!), await bytesOf(live.segment(names.media(1))!));
    expect(empty.samples.map(({ dts, duration, boxTypes }) => ({ dts, duration, boxTypes }))).toEqual([{ dts: 0, duration: 1000, boxTypes: ['vtte'] }]);
    expect(live.segment(names.media(2))?.state).toBe('uploading');
    video2.abort();
    packager.tick(2 * GRACE);
    expect(live.segment(names.media(2))?.state).toBe('aborted');
  });

  it('writes text for the video segments already there when text starts, up to the backfill', async () => {
    setUp();
    for (let n = 1; n <= 8; n += 1) store.beginSegment('demo', videoName('r1', n)).finish();
    const upload = liveUpload('demo');
    upload.write(cueText('00:06.200', '00:06.500', 'in seven'));
    const names = textNames(publish('demo', manifest('r1', new Date(Date.now() - 8000))));
    packager.tick(0);
    packager.tick(GRACE);
    const live = store.stream('demo')!;
    expect([1, 2, 3].map((n) => live.segment(names.media(n)))).toEqual([undefined, undefined, undefined]);
    expect([4, 5, 6, 7, 8].map((n) => live.segment(names.media(n))?.state)).toEqual(Array(5).fill('complete'));
    const seven = parseWvtt(await bytesOf(live.segment(names.init)!), await bytesOf(live.segment(names.media(7))!));
    expect(seven.samples.flatMap((s) => s.cues.map((c) => c.payl))).toEqual(['in seven']);
  });

  it('starts anew with a new publisher run: new names, cues of the new upload, ended input tracks gone', () => {
    setUp();
    const first = liveUpload('demo', 's2');
    const french = liveUpload('demo', 's3', 'fra', undefined);
    const before = textNames(publish('demo', manifest('r1')));
    expect(packager.tracks('demo').map((t) => t.id)).toEqual(['s2', 's3']);
    first.end();
    french.end();
    // ffmpeg restarts: s2 is uploaded again, s3 is not.
    const second = liveUpload('demo', 's2');
    first.write(cueText('00:00.100', '00:00.200', 'from the old run'));
    const after = textNames(publish('demo', manifest('r2')));
    expect(after.init).not.toBe(before.init);
    expect(packager.tracks('demo').map((t) => t.id)).toEqual(['s2']);
    second.write(cueText('00:00.300', '00:00.400', 'new'));
    store.beginSegment('demo', videoName('r2', 1)).finish();
    packager.tick(0);
    packager.tick(GRACE);
    const bytes = store.stream('demo')!.segment(after.media(1))!.chunkAt(0)!;
    expect(bytes.includes('new')).toBe(true);
    expect(bytes.includes('from the old run')).toBe(false);
  });

  it("keeps the run's names for the publisher's last, static manifest (no availabilityStartTime)", () => {
    setUp();
    liveUpload('demo');
    const live = textNames(publish('demo', manifest('r1')));
    const ended = manifest('r1')
      .replace('type="dynamic"', 'type="static" mediaPresentationDuration="PT4.5S"')
      .replace(/availabilityStartTime="[^"]*"/, '')
      .replace('timeShiftBufferDepth="PT5.0S"', '');
    expect(textNames(publish('demo', ended)).init).toBe(live.init);
    // A new availabilityStartTime is a new run.
    expect(textNames(publish('demo', manifest('r1', new Date(Date.now() + 60_000)))).init).not.toBe(live.init);
  });

  it('reports a sidecar file that is missing or not WebVTT, naming the file and line; nothing is attached', async () => {
    setUp();
    const missing = join(workDir, 'missing.vtt');
    await expect(packager.attachSidecar('demo', { path: missing, language: 'en' })).rejects.toThrow(SubtitleFileError);
    await expect(packager.attachSidecar('demo', { path: missing, language: 'en' })).rejects.toThrow(`subtitle file ${missing} of stream demo cannot be read`);
    const broken = join(workDir, 'broken.vtt');
    await writeFile(broken, 'WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03.000 -> 00:04.000\nbad arrow\n');
    await expect(packager.attachSidecar('demo', { path: broken, language: 'en' })).rejects.toThrow(`${broken}:line 6: expected a cue timing line`);
    expect(packager.tracks('demo')).toEqual([]);
  });

  it('refuses malformed track ids and languages', () => {
    setUp();
    expect(() => packager.openUpload('demo', { id: 'a/b', language: 'en' })).toThrow(/track id "a\/b"/);
    expect(() => packager.openUpload('demo', { id: 's1', language: 'english language' })).toThrow(/language tag/);
  });
});
