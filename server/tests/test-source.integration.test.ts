import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expandTemplate, type Origin, type RepresentationInfo } from '../src/index.js';
import { download, getText, startOrigin } from './helpers.js';

const TWO_32 = 2 ** 32;

/** Decodes the first video frame of init + media segment bytes to 8-bit gray, 1280x720. */
async function firstFrameGray(mp4: Buffer): Promise<Buffer> {
  const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const out: Buffer[] = [];
  ffmpeg.stdout.on('data', (data: Buffer) => out.push(data));
  ffmpeg.stdin.on('error', () => undefined);
  ffmpeg.stdin.end(mp4);
  await new Promise((resolve) => ffmpeg.on('close', resolve));
  return Buffer.concat(out);
}

/** The capture-time strip of ../shared/spec/timecode-strip.md, read from a 1280x720 gray frame. */
function readStrip(gray: Buffer): number {
  let value = 0;
  for (let i = 0; i < 32; i += 1) value = value * 2 + (gray[16 * 1280 + 32 * i + 16]! > 128 ? 1 : 0);
  return value;
}

describe('createOrigin with the test source (real ffmpeg)', () => {
  let origin: Origin & { url: string };
  const demo = () => origin.store.stream('demo');
  const video = (): RepresentationInfo => demo()!.manifest('manifest.mpd')!.info.representations[0]!;
  const mediaName = (number: number): string => expandTemplate(video().media!, { representationId: video().id, number })!;

  beforeAll(async () => {
    origin = await startOrigin({ testSource: { supervision: { initialRestartDelay: 200 } } });
    await vi.waitFor(() => expect(demo()?.manifest('manifest.mpd')).toBeDefined(), { timeout: 15_000, interval: 100 });
  }, 20_000);
  afterAll(() => origin?.close());

  it('streams each segment in chunks as it is encoded, stamped with the capture time', async () => {
    let newest = 1;
    while (demo()!.segment(mediaName(newest + 1)) !== undefined) newest += 1;
    const initName = expandTemplate(video().initialization!, { representationId: video().id })!;
    const initDownload = download(`${origin.url}/live/demo/${initName}`);
    expect((await initDownload.response).statusCode).toBe(200);
    const init = (await initDownload.done).body;

    // The next segment: held until ffmpeg starts uploading it, then streamed.
    const next = download(`${origin.url}/live/demo/${mediaName(newest + 1)}`);
    const res = await next.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    await vi.waitFor(() => expect(next.chunks.length).toBeGreaterThan(0), { timeout: 3000 });
    const firstChunkAt = Date.now();
    const { complete, body } = await next.done;
    expect(complete).toBe(true);

    // 30 frames, one CMAF chunk each, arriving over the segment's second.
    expect(next.chunks.length).toBeGreaterThanOrEqual(15);
    expect(next.chunks.at(-1)!.at - next.chunks[0]!.at).toBeGreaterThan(600);

    const frame = await firstFrameGray(Buffer.concat([init, body]));
    expect(frame.length).toBe(1280 * 720);
    const latency = ((firstChunkAt % TWO_32) - readStrip(frame) + TWO_32) % TWO_32;
    // Capture to first chunk at the origin: encoding plus transfer, well under a second.
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(latency).toBeLessThan(1500);

    // The served MPD's captured ProducerReferenceTime puts the segment's first frame
    // (presentation time (number - startNumber) * duration) at the time its strip shows.
    const mpd = await getText(`${origin.url}/live/demo/manifest.mpd`);
    const prft = [...mpd.body.matchAll(/<ProducerReferenceTime ([^>]*)>/g)]
      .map((match) => Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])))
      .find((attributes) => attributes['type'] === 'captured');
    expect(prft).toBeDefined();
    // Every Representation of this MPD shares one SegmentTemplate timescale.
    const timescale = Number(/<SegmentTemplate [^>]*timescale="(\d+)"/.exec(mpd.body)?.[1]);
    expect(timescale).toBeGreaterThan(0);
    const producerZero = Date.parse(prft!['wallClockTime']!) - (Number(prft!['presentationTime']) / timescale) * 1000;
    const predicted = producerZero + (newest + 1 - video().startNumber) * video().segmentDuration! * 1000;
    const error = ((predicted % TWO_32) - readStrip(frame) + TWO_32 + TWO_32 / 2) % TWO_32 - TWO_32 / 2;
    // A fresh ffmpeg runs behind real time for its first seconds, so the stamps of
    // neighbouring frames can sit tens of ms off their schedule (measured: -4 to 76 ms).
    expect(Math.abs(error)).toBeLessThan(150);
  });

  it('restarts ffmpeg after it dies, under new segment names, and stops it with the origin', async () => {
    const firstRun = video().media;
    const { pid } = origin.testSource!.status();
    process.kill(pid!, 'SIGKILL');
    await vi.waitFor(() => expect(origin.testSource!.status().restarts).toBe(1), { timeout: 5000 });
    await vi.waitFor(() => expect(video().media).not.toBe(firstRun), { timeout: 10_000, interval: 100 });

    const health = JSON.parse((await getText(`${origin.url}/healthz`)).body) as { testSource: { state: string; lastExit: { signal: string } } };
    expect(health.testSource).toMatchObject({ state: 'running', lastExit: { signal: 'SIGKILL' } });

    const restartedPid = origin.testSource!.status().pid!;
    await origin.close();
    expect(() => process.kill(restartedPid, 0)).toThrow();
  });
});
