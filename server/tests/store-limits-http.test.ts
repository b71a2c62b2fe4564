import { afterEach, describe, expect, it } from 'vitest';
import type { Origin } from '../src/origin/create-origin.js';
import { captureLogger, getText, liveManifest, put, segmentName, sleep, startOrigin, upload, type Upload } from './helpers.js';

const MiB = 1024 * 1024;

/** An upload's answer: status and the JSON error message, or `closed` if the connection went first. */
interface Answer {
  status: number | 'closed';
  message: string;
}

/** Uploads `total` bytes in 64 KiB chunks, stopping once the origin answers. */
async function chunkedUpload(url: string, total: number): Promise<Answer> {
  const up = upload(url);
  const answered = answerOf(up);
  let done = false;
  void answered.then(() => (done = true));
  for (let sent = 0; sent < total && !done; sent += 64 * 1024) await Promise.race([up.write(Buffer.alloc(64 * 1024, 1)), answered]);
  const answer = done ? await answered : await Promise.race([up.end().then(() => answered), answered]);
  up.breakOff();
  return answer;
}

function answerOf(up: Upload): Promise<Answer> {
  return up.response.then(
    (res) =>
      new Promise<Answer>((resolve) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        const done = (): void => resolve({ status: res.statusCode ?? 0, message: text === '' ? '' : (JSON.parse(text) as { message: string }).message });
        res.on('end', done);
        res.on('close', done);
      }),
    () => ({ status: 'closed' as const, message: '' }),
  );
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error('condition not met within 5 s');
    await sleep(5);
  }
}

describe('createOrigin ingest memory bounds', () => {
  let origin: (Origin & { url: string }) | undefined;
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
  });

  it('holds no more than maxUnreferencedBytes of uploads no manifest references, while a normal stream goes on', async () => {
    const { logger, records } = captureLogger('warn');
    origin = await startOrigin({ logger, limits: { maxUnreferencedBytes: 4 * MiB } });
    const ingest = `${origin.url}/ingest`;
    for (const stream of ['victim', 'good']) expect(await put(`${ingest}/${stream}/manifest.mpd`, liveManifest())).toBe(204);

    // The attack of issue 13, at small scale: each upload is answered, old ones make room.
    let most = 0;
    for (let n = 1; n <= 20; n += 1) {
      expect(await put(`${ingest}/victim/evil-${n}.m4s`, Buffer.alloc(MiB))).toBe(204);
      const stats = origin.store.stream('victim')!.stats();
      most = Math.max(most, stats.bytes);
      expect(stats.unreferencedBytes).toBeLessThanOrEqual(4 * MiB);
      expect(await put(`${ingest}/good/${segmentName(n)}`, Buffer.alloc(10_000, n))).toBe(204);
    }
    expect(most).toBe(4 * MiB);
    expect((await getText(`${origin.url}/live/victim/evil-16.m4s`)).status).toBe(404);
    expect((await getText(`${origin.url}/live/good/${segmentName(20)}`)).status).toBe(200);

    // Uploads in progress cannot be made room for: the next one is refused.
    const open = [1, 2, 3, 4].map((n) => upload(`${ingest}/victim/open-${n}.m4s`));
    for (const up of open) await up.write(Buffer.alloc(MiB));
    await waitFor(() => origin!.store.stream('victim')!.stats().unreferencedBytes === 4 * MiB);
    const refused = await chunkedUpload(`${ingest}/victim/evil-21.m4s`, MiB);
    expect(refused.status).toBe(507);
    expect(refused.message).toContain('maxUnreferencedBytes');
    expect(origin.store.stream('victim')!.segment('evil-21.m4s')).toBeUndefined();
    expect(origin.store.stream('victim')!.stats().unreferencedBytes).toBe(4 * MiB);
    expect(records).toContainEqual(expect.objectContaining({ stream: 'victim', file: 'evil-21.m4s', bound: 'maxUnreferencedBytes', limit: 4 * MiB }));
    for (const up of open) expect(await up.end()).toBe(204);
    expect(await put(`${ingest}/good/${segmentName(21)}`, Buffer.alloc(10_000))).toBe(204);
  });

  it('answers 507 naming the bound past maxStreamBytes and maxStoreBytes, and drops the upload', async () => {
    const { logger, records } = captureLogger('warn');
    origin = await startOrigin({ logger, limits: { maxStreamBytes: 3 * MiB, maxStoreBytes: 5 * MiB } });
    const ingest = `${origin.url}/ingest`;
    for (const stream of ['big', 'other']) {
      expect(await put(`${ingest}/${stream}/manifest.mpd`, liveManifest({ timeShiftBufferDepth: 'PT60S' }))).toBe(204);
    }
    // Larger than the bound by itself: 413, no room would take it.
    const tooLarge = await chunkedUpload(`${ingest}/big/${segmentName(1)}`, 3 * MiB + 1);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.message).toContain('maxStreamBytes');
    expect(origin.store.bytes).toBe(0);

    for (let n = 1; n <= 3; n += 1) expect(await put(`${ingest}/big/${segmentName(n)}`, Buffer.alloc(MiB))).toBe(204);

    const overStream = await chunkedUpload(`${ingest}/big/${segmentName(4)}`, MiB);
    expect(overStream.status).toBe(507);
    expect(overStream.message).toContain('maxStreamBytes');
    expect(origin.store.stream('big')!.segment(segmentName(4))).toBeUndefined();
    expect((await getText(`${origin.url}/live/big/${segmentName(3)}`)).status).toBe(200);
    expect(origin.store.stream('big')!.stats().bytes).toBe(3 * MiB);
    expect(records).toContainEqual(expect.objectContaining({ stream: 'big', file: segmentName(4), bound: 'maxStreamBytes', limit: 3 * MiB }));

    for (let n = 1; n <= 2; n += 1) expect(await put(`${ingest}/other/${segmentName(n)}`, Buffer.alloc(MiB))).toBe(204);
    const overStore = await chunkedUpload(`${ingest}/other/${segmentName(3)}`, MiB);
    expect(overStore.status).toBe(507);
    expect(overStore.message).toContain('maxStoreBytes');
    expect(origin.store.bytes).toBe(5 * MiB);
    expect(records).toContainEqual(expect.objectContaining({ stream: 'other', file: segmentName(3), bound: 'maxStoreBytes', limit: 5 * MiB }));
  });
});
