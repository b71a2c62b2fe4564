import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, parseProbe, probeInput, type ProbeTarget } from '../src/index.js';
import { makeMediaFixtures, type MediaFixtures } from './media-fixtures.js';

/** What probeInput reads for a plain file or URL. */
const target = (url: string, args: string[] = []): ProbeTarget => ({ args: [...args, '-i', url], label: url });

describe('probeInput (real ffprobe)', () => {
  let directory: string;
  let media: MediaFixtures;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-probe-'));
    media = await makeMediaFixtures(directory);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('finds the video, every audio track with language and channel layout, and the subtitle track', async () => {
    expect(await probeInput(target(media.av))).toEqual({
      video: { index: 0, width: 640, height: 360, sampleAspectRatio: 1, fps: 30, nominalFps: 30, codec: 'h264' },
      audio: [
        { index: 1, language: 'eng', channels: 2, channelLayout: 'stereo', codec: 'aac' },
        { index: 2, language: 'deu', channels: 6, channelLayout: '5.1', codec: 'aac' },
      ],
      subtitles: [{ index: 3, codec: 'mov_text', language: 'eng', title: null }],
    });
  });

  it('reads an input named on a file descriptor, keeping it out of the command line', async () => {
    const probe = await probeInput({ args: ['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'pipe,file', '-i', 'pipe:3'], fdTexts: [`ffconcat version 1.0\nfile 'file:${media.av}'\n`], label: 'a listed file' });
    expect(probe.audio).toHaveLength(2);
  });

  it("replaces secrets in ffprobe's reason", async () => {
    const url = 'http://user:hunter2@127.0.0.1:1/x.ts';
    const error = await probeInput({ args: ['-protocol_whitelist', 'http,tcp', '-i', url], label: 'the camera' }, { redact: ['hunter2'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^input the camera cannot be read: .*\*\*\*/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('refuses an input without video', async () => {
    const error = await probeInput(target(media.audioOnly)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`input ${media.audioOnly} has no video stream`);
  });

  it("names a file that does not exist with ffprobe's reason", async () => {
    const missing = join(directory, 'nope.mp4');
    await expect(probeInput(target(missing))).rejects.toThrow(new InputError(`input ${missing} cannot be read: ${missing}: No such file or directory`));
  });

  it('gives up on a URL that never answers', async () => {
    // Accepts the connection and never sends a byte.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/live.ts`;
    try {
      const started = performance.now();
      await expect(probeInput(target(url), { timeout: 600 })).rejects.toThrow(new InputError(`input ${url} did not answer within 0.6 s`));
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('says when ffprobe is not installed', async () => {
    await expect(probeInput(target(media.av), { ffprobePath: '/nonexistent/ffprobe' })).rejects.toThrow(/ffprobe not found \(\/nonexistent\/ffprobe\)/);
  });
});

describe('parseProbe', () => {
  it('skips cover pictures, swaps the sides of a quarter-turned picture and reads pixel aspect and frame rate', () => {
    const probe = parseProbe({
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } },
        {
          index: 1,
          codec_type: 'video',
          codec_name: 'h264',
          width: 1920,
          height: 1080,
          sample_aspect_ratio: '4:3',
          avg_frame_rate: '30000/1001',
          side_data_list: [{ rotation: -90 }],
        },
        { index: 2, codec_type: 'audio', codec_name: 'ac3', channels: 6, channel_layout: '5.1(side)', tags: { language: 'und' } },
        { index: 3, codec_type: 'subtitle', codec_name: 'subrip', tags: { title: 'SDH' } },
      ],
    });
    expect(probe.video).toEqual({ index: 1, width: 1080, height: 1920, sampleAspectRatio: 0.75, fps: 29.97, nominalFps: null, codec: 'h264' });
    expect(probe.audio).toEqual([{ index: 2, language: null, channels: 6, channelLayout: '5.1(side)', codec: 'ac3' }]);
    expect(probe.subtitles).toEqual([{ index: 3, codec: 'subrip', language: null, title: 'SDH' }]);
  });

  it('reports no frame rate when the container states none', () => {
    const probe = parseProbe({ streams: [{ index: 0, codec_type: 'video', width: 64, height: 64, avg_frame_rate: '0/0', r_frame_rate: '90000/1' }] });
    expect(probe.video?.fps).toBeNull();
  });
});
