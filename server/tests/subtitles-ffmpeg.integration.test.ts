import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Origin } from '../src/index.js';
import { sleep, startOrigin } from './helpers.js';
import { parseWvtt } from './subtitles-helpers.js';

const run = promisify(execFile);
const schema = fileURLToPath(new URL('./fixtures/dash-schema/DASH-MPD.xsd', import.meta.url));

const SRT = `1
00:00:00,400 --> 00:00:00,900
alpha

2
00:00:01,500 --> 00:00:02,600
bravo <i>spans</i>

3
00:00:03,200 --> 00:00:03,400
charlie
`;

async function fetchBytes(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Media time (s) of every decoded frame of `mp4` with its mean luma, read by ffmpeg's signalstats. */
async function frameLuma(mp4: Buffer): Promise<Array<{ time: number; luma: number }>> {
  const child = spawn('ffmpeg', ['-hide_banner', '-copyts', '-i', 'pipe:0', '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (data: Buffer) => (log += data.toString()));
  child.stdin.end(mp4);
  await new Promise((resolve) => child.on('close', resolve));
  const frames: Array<{ time: number; luma: number }> = [];
  for (const match of log.matchAll(/pts_time:([\d.]+)\s*\n.*lavfi\.signalstats\.YAVG=([\d.]+)/g)) {
    frames.push({ time: Number(match[1]), luma: Number(match[2]) });
  }
  return frames;
}

function template(adaptationSet: Element): Element {
  return adaptationSet.getElementsByTagName('SegmentTemplate')[0]!;
}

// Real ffmpeg end to end: a file with a mov_text (SubRip-converted) track is
// pulled by the origin's stream manager, transcoded with the WebVTT output
// of subtitleOutputs, and the served text segments are checked against the
// video segments ffmpeg published in the same run.
describe('subtitles from an input track, through real ffmpeg', () => {
  let workDir: string;
  let origin: Origin & { url: string };
  let served = '';

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'llstream-subs-ffmpeg-'));
    await writeFile(join(workDir, 'cues.srt'), SRT);
    // Black until 1.5 s, white from then on: the frame where "bravo" starts is visible in the video.
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', "color=c=black:s=160x96:r=30,drawbox=c=white:t=fill:enable='gte(t,1.5)'"],
      ...['-i', join(workDir, 'cues.srt'), '-t', '4.5', '-map', '0:v', '-map', '1:s'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:s', 'mov_text', '-metadata:s:s:0', 'language=eng'],
      join(workDir, 'input.mp4'),
    ]);
    // WebVTT in Matroska, with a cue identifier and settings.
    await writeFile(join(workDir, 'positioned.vtt'), 'WEBVTT\n\nintro\n00:00.500 --> 00:01.500 line:0 align:start\npositioned\n');
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=160x96:r=30', '-i', join(workDir, 'positioned.vtt')],
      ...['-t', '2.5', '-map', '0:v', '-map', '1:s', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:s', 'copy', '-metadata:s:s:0', 'language=fra'],
      join(workDir, 'positioned.mkv'),
    ]);
    const transcode = { ...defaultConfig().transcode, preset: 'ultrafast' as const };
    origin = await startOrigin({
      streams: [
        { name: 'subs', source: { type: 'pull', url: join(workDir, 'input.mp4') } },
        { name: 'vtt', source: { type: 'pull', url: join(workDir, 'positioned.mkv') } },
      ],
      transcode,
    });
  });
  afterAll(async () => {
    await origin?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('serves a text AdaptationSet and text segments whose cues sit in the segment numbers of the video frames they belong to', async () => {
    // The stream ends with the file; by then every segment is complete.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const summary = origin.streams.list().find((s) => s.name === 'subs');
      const response = await fetch(`${origin.url}/live/subs/manifest.mpd`);
      if (response.ok) served = await response.text();
      if (summary?.state === 'offline' || summary?.state === 'error' || Date.now() > deadline) break;
      await sleep(250);
    }
    expect(origin.streams.list().find((s) => s.name === 'subs')?.state).toBe('offline');
    const sets = [...new DOMParser().parseFromString(served, 'text/xml').getElementsByTagName('AdaptationSet')];
    const text = sets.find((set) => set.getAttribute('contentType') === 'text');
    const video = sets.find((set) => set.getAttribute('contentType') === 'video')!;
    expect(text?.getAttribute('lang')).toBe('eng');
    // The served document, ffmpeg's MPD with every fix-up, validates.
    await writeFile(join(workDir, 'served.mpd'), served);
    expect((await run('xmllint', ['--noout', '--nonet', '--schema', schema, join(workDir, 'served.mpd')])).stderr).toContain('validates');
    const textTemplate = template(text!);
    const videoTemplate = template(video);
    for (const attribute of ['timescale', 'duration', 'startNumber']) expect(textTemplate.getAttribute(attribute)).toBe(videoTemplate.getAttribute(attribute));
    const timescale = Number(textTemplate.getAttribute('timescale'));
    const base = `${origin.url}/live/subs`;
    const textUrl = (n: number): string => `${base}/${textTemplate.getAttribute('media')!.replace('$Number%05d$', String(n).padStart(5, '0'))}`;
    const init = await fetchBytes(`${base}/${textTemplate.getAttribute('initialization')}`);

    // Each text segment: CMAF chunks covering its interval without gaps;
    // a cue cut into several samples (chunks, boundaries) is one stretch.
    const cuesBySegment = new Map<number, Array<{ text: string | undefined; from: number; to: number }>>();
    let chunks = 0;
    for (const n of [1, 2, 3, 4]) {
      const parsed = parseWvtt(init, await fetchBytes(textUrl(n)));
      chunks += parsed.baseMediaDecodeTimes.length;
      expect(parsed.baseMediaDecodeTimes[0]).toBe((n - 1) * timescale);
      let at = (n - 1) * timescale;
      const stretches: Array<{ text: string | undefined; from: number; to: number }> = [];
      for (const sample of parsed.samples) {
        expect(sample.dts).toBe(at);
        at += sample.duration;
        const text = sample.cues.map((c) => c.payl).join(' | ') || undefined;
        const last = stretches.at(-1);
        if (last !== undefined && last.text === text && last.to === sample.dts / timescale) last.to = at / timescale;
        else stretches.push({ text, from: sample.dts / timescale, to: at / timescale });
      }
      expect(at).toBe(n * timescale);
      cuesBySegment.set(n, stretches.filter((stretch) => stretch.text !== undefined));
    }
    // Cues went out in chunks while their video segment was still uploading.
    expect(chunks).toBeGreaterThan(4);
    expect(cuesBySegment.get(1)).toEqual([{ text: 'alpha', from: 0.4, to: 0.9 }]);
    expect(cuesBySegment.get(2)).toEqual([{ text: 'bravo <i>spans</i>', from: 1.5, to: 2 }]);
    expect(cuesBySegment.get(3)).toEqual([{ text: 'bravo <i>spans</i>', from: 2, to: 2.6 }]);
    expect(cuesBySegment.get(4)).toEqual([{ text: 'charlie', from: 3.2, to: 3.4 }]);

    // The first white frame of the video (input time 1.5 s) is in video
    // segment 2 at media time 1.5 s: the same time as "bravo" in text segment 2.
    const representation = video.getElementsByTagName('Representation')[0]!.getAttribute('id')!;
    const videoFile = (name: string, n?: number): string =>
      name.replace('$RepresentationID$', representation).replace('$Number%05d$', String(n ?? 0).padStart(5, '0'));
    const videoInit = await fetchBytes(`${base}/${videoFile(videoTemplate.getAttribute('initialization')!)}`);
    const frames = await frameLuma(Buffer.concat([videoInit, await fetchBytes(`${base}/${videoFile(videoTemplate.getAttribute('media')!, 2)}`)]));
    expect(frames.length).toBeGreaterThan(20);
    expect(frames[0]!.time).toBeCloseTo(1, 2);
    const firstWhite = frames.find((frame) => frame.luma > 128);
    expect(firstWhite?.time).toBeCloseTo(1.5, 1);
    expect(Math.abs(firstWhite!.time - cuesBySegment.get(2)![0]!.from)).toBeLessThan(1 / 30 + 0.001);
  });

  it('keeps the identifier and settings of a WebVTT input track', async () => {
    const deadline = Date.now() + 15_000;
    while (origin.streams.list().find((s) => s.name === 'vtt')?.state !== 'offline' && Date.now() < deadline) await sleep(250);
    const sets = [...new DOMParser().parseFromString(await (await fetch(`${origin.url}/live/vtt/manifest.mpd`)).text(), 'text/xml').getElementsByTagName('AdaptationSet')];
    const textTemplate = template(sets.find((set) => set.getAttribute('contentType') === 'text' && set.getAttribute('lang') === 'fra')!);
    const base = `${origin.url}/live/vtt`;
    const parsed = parseWvtt(
      await fetchBytes(`${base}/${textTemplate.getAttribute('initialization')}`),
      await fetchBytes(`${base}/${textTemplate.getAttribute('media')!.replace('$Number%05d$', '00001')}`),
    );
    expect(parsed.samples.flatMap((s) => s.cues)[0]).toEqual({ payl: 'positioned', iden: 'intro', sttg: 'line:0 align:start' });
  });
});
