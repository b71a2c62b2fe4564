import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTranscodeArgs, defaultConfig, probeInput, type Origin } from '../src/index.js';
import { makeCaptionedVideo, makeMediaFixtures, readCaptions, type MediaFixtures } from './media-fixtures.js';
import { download, getText, startOrigin } from './helpers.js';

const schema = fileURLToPath(new URL('./fixtures/dash-schema/DASH-MPD.xsd', import.meta.url));
const run = promisify(execFile);
const TAG = 'itest1';

/** ffprobe on bytes piped in (init + media segment). */
async function ffprobe(bytes: Buffer, args: string[]): Promise<string> {
  const child = spawn('ffprobe', ['-v', 'error', ...args, '-i', 'pipe:0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (data: Buffer) => out.push(data));
  child.stdin.on('error', () => undefined);
  child.stdin.end(bytes);
  await once(child, 'close');
  return Buffer.concat(out).toString('utf8');
}

async function fetchBytes(url: string): Promise<Buffer> {
  const d = download(url);
  expect((await d.response).statusCode).toBe(200);
  const { complete, body } = await d.done;
  expect(complete).toBe(true);
  return body;
}

/** A local file as transcoder input and probe target. */
const fileInput = (path: string) => ({ args: ['-i', path], label: path });

describe('buildTranscodeArgs run by real ffmpeg into a local origin', () => {
  let origin: Origin & { url: string };
  let directory: string;
  let media: MediaFixtures;
  let ffmpeg: ChildProcess | undefined;
  let mpd: string;
  const stream = () => origin.store.stream('film');

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-transcode-'));
    media = await makeMediaFixtures(directory);
    const config = defaultConfig();
    config.latency = { target: 1.5, min: 0.8, max: 4, minPlaybackRate: 0.95, maxPlaybackRate: 1.05 };
    origin = await startOrigin({ latency: config.latency });
    const probe = await probeInput(fileInput(media.av));
    const { args } = buildTranscodeArgs({ input: { args: ['-stream_loop', '-1', '-re', '-i', media.av] }, probe, transcode: config.transcode, latency: config.latency, originUrl: origin.url, stream: 'film', runTag: TAG });
    ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr!.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-4000);
    });
    // Segments 1-3 of both renditions finished: enough to compare key frames across segment boundaries.
    await vi.waitFor(
      () => {
        expect(ffmpeg!.exitCode, stderr).toBeNull();
        for (const representation of ['0', '1']) {
          expect(stream()?.segment(`seg-${TAG}-${representation}-00003.m4s`)?.state).toBe('complete');
        }
      },
      { timeout: 12_000, interval: 100 },
    );
    mpd = (await getText(`${origin.url}/live/film/manifest.mpd`)).body;
  }, 20_000);

  afterAll(async () => {
    if (ffmpeg !== undefined && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
      const closed = once(ffmpeg, 'close');
      ffmpeg.kill('SIGKILL');
      await closed;
    }
    await origin?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('publishes one video adaptation set with the rungs at or below the input (360p, 240p)', () => {
    const document = new DOMParser().parseFromString(mpd, 'text/xml');
    expect(document.documentElement!.getAttribute('type')).toBe('dynamic');
    const sets = [...document.getElementsByTagName('AdaptationSet')];
    const video = sets.filter((set) => set.getAttribute('contentType') === 'video');
    expect(video).toHaveLength(1);
    const representations = [...video[0]!.getElementsByTagName('Representation')].map((r) => ({
      id: r.getAttribute('id'),
      width: r.getAttribute('width'),
      height: r.getAttribute('height'),
      bandwidth: r.getAttribute('bandwidth'),
      codecs: r.getAttribute('codecs')?.slice(0, 4),
    }));
    expect(representations).toEqual([
      { id: '0', width: '640', height: '360', bandwidth: '600000', codecs: 'avc1' },
      { id: '1', width: '426', height: '240', bandwidth: '250000', codecs: 'avc1' },
    ]);
  });

  it('carries both audio tracks, each in its own adaptation set with its language and channel count', async () => {
    const document = new DOMParser().parseFromString(mpd, 'text/xml');
    const audio = [...document.getElementsByTagName('AdaptationSet')].filter((set) => set.getAttribute('contentType') === 'audio');
    expect(
      audio.map((set) => ({
        lang: set.getAttribute('lang'),
        representations: set.getElementsByTagName('Representation').length,
        channels: set.getElementsByTagName('AudioChannelConfiguration')[0]?.getAttribute('value'),
        codecs: set.getElementsByTagName('Representation')[0]?.getAttribute('codecs'),
      })),
    ).toEqual([
      { lang: 'eng', representations: 1, channels: '2', codecs: 'mp4a.40.2' },
      { lang: 'deu', representations: 1, channels: '6', codecs: 'mp4a.40.2' },
    ]);
    // The 5.1 track really is six channels of AAC.
    const init = await fetchBytes(`${origin.url}/live/film/init-${TAG}-3.m4s`);
    const segment = await fetchBytes(`${origin.url}/live/film/seg-${TAG}-3-00002.m4s`);
    expect((await ffprobe(Buffer.concat([init, segment]), ['-show_entries', 'stream=codec_name,channels,channel_layout', '-of', 'csv=p=0'])).trim()).toBe(
      'aac,6,5.1',
    );
  });

  it('puts key frames at the same presentation times on every rendition, one at the start of each segment', async () => {
    const times = await keyFrameTimes('film', TAG, '0', [2, 3]);
    expect(await keyFrameTimes('film', TAG, '1', [2, 3])).toEqual(times);
    // Segment n starts at (n - 1) × 1 s.
    expect(times.map(Number)).toEqual([1, 2]);
  });

  it("announces the config's latency targets and playback rates in the ServiceDescription", () => {
    const description = new DOMParser().parseFromString(mpd, 'text/xml').getElementsByTagName('ServiceDescription')[0]!;
    const latency = description.getElementsByTagName('Latency')[0]!;
    const rate = description.getElementsByTagName('PlaybackRate')[0]!;
    expect(['target', 'min', 'max'].map((name) => latency.getAttribute(name))).toEqual(['1500', '800', '4000']);
    expect(['min', 'max'].map((name) => rate.getAttribute(name))).toEqual(['0.95', '1.05']);
  });

  /** Presentation times of the key frames in each of `numbers` segments of a representation, checking each segment starts with its only one. */
  async function keyFrameTimes(stream: string, tag: string, representation: string, numbers: number[]): Promise<string[]> {
    const init = await fetchBytes(`${origin.url}/live/${stream}/init-${tag}-${representation}.m4s`);
    const times: string[] = [];
    for (const number of numbers) {
      const segment = await fetchBytes(`${origin.url}/live/${stream}/seg-${tag}-${representation}-${String(number).padStart(5, '0')}.m4s`);
      const packets = (await ffprobe(Buffer.concat([init, segment]), ['-select_streams', 'v', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0']))
        .trim()
        .split('\n')
        .map((line) => line.split(','));
      expect(packets.length).toBeGreaterThanOrEqual(25);
      expect(packets[0]![1]).toMatch(/^K/);
      expect(packets.filter(([, flags]) => flags!.startsWith('K'))).toHaveLength(1);
      times.push(packets[0]![0]!);
    }
    return times;
  }

  it('encodes AV1 (libsvtav1, low delay) with a key frame at every segment start on every rendition', async () => {
    const config = defaultConfig();
    config.transcode.codec = 'av1';
    config.transcode.preset = 12;
    const input = fileInput(media.av);
    const { args } = buildTranscodeArgs({ input, probe: await probeInput(input), transcode: config.transcode, latency: config.latency, originUrl: origin.url, stream: 'av1', runTag: 'av1' });
    // No -re: the 2 s file goes through as fast as ffmpeg can.
    const transcoder = spawn('ffmpeg', args, { stdio: 'ignore' });
    const [code] = (await once(transcoder, 'close')) as [number];
    expect(code).toBe(0);
    const served = (await getText(`${origin.url}/live/av1/manifest.mpd`)).body;
    const codecs = [...served.matchAll(/<Representation [^>]*codecs="([^"]+)"/g)].map((match) => match[1]);
    expect(codecs).toEqual([expect.stringMatching(/^av01\.0\./), expect.stringMatching(/^av01\.0\./), 'mp4a.40.2', 'mp4a.40.2']);
    const times = await keyFrameTimes('av1', 'av1', '0', [1, 2]);
    expect(await keyFrameTimes('av1', 'av1', '1', [1, 2])).toEqual(times);
    expect(times.map(Number)).toEqual([0, 1]);
  });

  it('passes CEA-608 captions of the input video through to every rendition', async () => {
    const captioned = await makeCaptionedVideo(directory);
    const input = fileInput(captioned);
    expect(await readCaptions(captioned)).toContain('HI');
    const config = defaultConfig();
    config.transcode.ladder = [
      { name: '240p', height: 240, bitrate: 400_000 },
      { name: '120p', height: 120, bitrate: 150_000 },
    ];
    const { args } = buildTranscodeArgs({ input, probe: await probeInput(input), transcode: config.transcode, latency: config.latency, originUrl: origin.url, stream: 'cc', runTag: 'cc1' });
    // No -re: the 2 s file goes through as fast as ffmpeg can.
    const transcoder = spawn('ffmpeg', args, { stdio: 'ignore' });
    const [code] = (await once(transcoder, 'close')) as [number];
    expect(code).toBe(0);
    for (const representation of ['0', '1']) {
      const file = join(directory, `cc-${representation}.mp4`);
      const init = await fetchBytes(`${origin.url}/live/cc/init-cc1-${representation}.m4s`);
      const bytes = Buffer.concat([init, await fetchBytes(`${origin.url}/live/cc/seg-cc1-${representation}-00001.m4s`)]);
      await writeFile(file, bytes);
      // Decoded by ffmpeg's CEA-608 decoder from the rendition's H.264 SEI.
      expect(await readCaptions(file)).toContain('HI');
    }
  });

  it('serves a manifest that validates against the DASH MPD schema (xmllint)', async () => {
    const file = join(directory, 'served.mpd');
    await writeFile(file, mpd);
    const { stderr } = await run('xmllint', ['--noout', '--nonet', '--schema', schema, file]);
    expect(stderr).toContain('validates');
  });
});
