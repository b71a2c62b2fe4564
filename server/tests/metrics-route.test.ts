import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOrigin, OriginMetrics, type Origin } from '../src/index.js';
import { download, getText, liveManifest, put, segmentName, startOrigin, upload } from './helpers.js';
import { sample } from './prometheus-text.js';

describe('metricsRoute', () => {
  let origin: (Origin & { url: string }) | undefined;
  afterEach(() => origin?.close());

  const scrape = async (headers?: Record<string, string>): Promise<string> => {
    const response = await getText(`${origin!.url}/metrics`, headers);
    expect(response.status).toBe(200);
    return response.body;
  };

  it('exposes ingest, fan-out, readers, held requests and 404s after an ingest over HTTP', async () => {
    origin = await startOrigin({ store: { holdTimeout: 200 }, metrics: new OriginMetrics({ defaultMetrics: false }) });
    const ingest = `${origin.url}/ingest/s`;
    const live = `${origin.url}/live/s`;
    const chunkCount = (): number | undefined => origin!.store.stream('s')?.segment(segmentName(1))?.chunkCount;

    // ffmpeg's order: init segment first, manifest after.
    expect(await put(`${ingest}/init-run1-v.m4s`, 'init-bytes')).toBe(204);
    const up = upload(`${ingest}/${segmentName(1)}`);
    await up.write('chunk-1|');
    await vi.waitFor(() => expect(chunkCount()).toBe(1));
    expect(await put(`${ingest}/manifest.mpd`, liveManifest())).toBe(204);

    const readers = [download(`${live}/${segmentName(1)}`), download(`${live}/${segmentName(1)}`)];
    await Promise.all(readers.map((reader) => reader.response));
    let text = await scrape();
    expect(sample(text, 'llstream_open_readers', { stream: 's' })).toBe(2);

    for (const [index, chunk] of ['chunk-2|', 'chunk-3|', 'chunk-4|'].entries()) {
      await up.write(chunk);
      await vi.waitFor(() => expect(chunkCount()).toBe(index + 2));
    }
    expect(await up.end()).toBe(204);
    for (const reader of readers) expect((await reader.done).body.toString()).toBe('chunk-1|chunk-2|chunk-3|chunk-4|');

    // A held request that times out, one that is served.
    const timedOut = await getText(`${live}/${segmentName(3)}`);
    expect(timedOut.status).toBe(404);
    const served = download(`${live}/${segmentName(2)}`);
    await vi.waitFor(() => expect(origin!.store.stats()[0]!.heldRequests).toBe(1));
    expect(sample(await scrape(), 'llstream_held_requests', { stream: 's' })).toBe(1);
    expect(await put(`${ingest}/${segmentName(2)}`, 'two')).toBe(204);
    expect((await served.done).body.toString()).toBe('two');

    expect((await getText(`${origin.url}/live/nope/manifest.mpd`)).status).toBe(404);
    expect((await getText(`${live}/other.mpd`)).status).toBe(404);
    expect((await getText(`${live}/${segmentName(50)}`)).status).toBe(404);

    const response = await getText(`${origin.url}/metrics`);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    text = response.body;
    const s = { stream: 's' };
    expect(sample(text, 'llstream_ingest_bytes_total', { ...s, rendition: 'v' })).toBe('init-bytes'.length + 4 * 'chunk-1|'.length + 'two'.length);
    expect(sample(text, 'llstream_ingest_chunks_total', { ...s, rendition: 'v' })).toBe(1 + 4 + 1);
    // Chunks 2-4 arrived while both readers followed segment 1; 'two' while the held reader did.
    expect(sample(text, 'llstream_chunk_fanout_delay_seconds_count', s)).toBe(4);
    expect(sample(text, 'llstream_chunk_fanout_delay_seconds_bucket', { ...s, le: '+Inf' })).toBe(4);
    expect(sample(text, 'llstream_chunk_fanout_delay_seconds_sum', s)).toBeLessThan(4 * 0.5);
    expect(sample(text, 'llstream_open_readers', s)).toBe(0);
    expect(sample(text, 'llstream_held_requests', s)).toBe(0);
    expect(sample(text, 'llstream_held_request_outcomes_total', { ...s, outcome: 'served' })).toBe(1);
    expect(sample(text, 'llstream_held_request_outcomes_total', { ...s, outcome: 'timeout' })).toBe(1);
    expect(sample(text, 'llstream_playback_not_found_total', { kind: 'stream' })).toBe(1);
    expect(sample(text, 'llstream_playback_not_found_total', { kind: 'manifest' })).toBe(1);
    // The held request that timed out, and a number far past the live edge.
    expect(sample(text, 'llstream_playback_not_found_total', { kind: 'segment' })).toBe(2);
  });

  it('includes the process metrics by default', async () => {
    origin = await startOrigin();
    const text = await scrape();
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(origin.metrics).toBeInstanceOf(OriginMetrics);
  });

  it('requires the bearer token when one is configured', async () => {
    origin = await startOrigin({ metricsToken: 's3cret-token' });
    const url = `${origin.url}/metrics`;
    const missing = await getText(url);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(missing.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(missing.body)).toMatchObject({ statusCode: 401, message: 'GET /metrics needs Authorization: Bearer <metrics token>' });
    const wrong = await getText(url, { authorization: 'Bearer s3cret-tokeN' });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body)).toMatchObject({ statusCode: 403, message: 'wrong metrics token' });
    expect((await getText(url, { authorization: 'Basic czNjcmV0LXRva2Vu' })).status).toBe(401);
    expect(await scrape({ authorization: 'Bearer s3cret-token' })).toContain('llstream_playback_not_found_total');
  });

  it('refuses an empty token instead of serving metrics to anyone', async () => {
    const unstarted = createOrigin({ port: 0, host: '127.0.0.1', testSource: false, logLevel: 'silent', metricsToken: '' });
    await expect(unstarted.listen()).rejects.toThrow(/metrics token must not be empty/);
    await unstarted.close();
  });
});
