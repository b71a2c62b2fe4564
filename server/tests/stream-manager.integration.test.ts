import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Origin } from '../src/index.js';
import { getText } from './helpers.js';
import { apiStream, fetchManifest, ONE_RUNG, startIngestOrigin, validateMpd } from './ingest-helpers.js';
import { makeMediaFixtures, type MediaFixtures } from './media-fixtures.js';

async function api(origin: { url: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${origin.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
}

describe('StreamManager: pulled files and URLs, the streams API, failing ffmpeg (real ffmpeg)', () => {
  let directory: string;
  let media: MediaFixtures;
  let origin: Origin & { url: string };
  let records: Array<Record<string, unknown>>;
  /** Accepts TCP connections and never answers. */
  let silent: net.Server;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-pull-'));
    media = await makeMediaFixtures(directory);
    silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    ({ origin, records } = await startIngestOrigin({
      inputTimeout: 2,
      pull: { mediaDirectories: [directory] },
      streams: [
        { name: 'looped', source: { type: 'pull', url: media.av, loop: true } },
        { name: 'missing', source: { type: 'pull', url: join(directory, 'nope.mp4') } },
        { name: 'novideo', source: { type: 'pull', url: media.audioOnly } },
      ],
    }));
  }, 20_000);
  afterAll(async () => {
    await origin?.close();
    silent.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('pulls a looped local file: live, with its renditions and ingest bitrate, in GET /api/streams', async () => {
    await vi.waitFor(async () => expect((await apiStream(origin, 'looped')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    await validateMpd((await fetchManifest(origin, 'looped')).xml);
    await vi.waitFor(async () => expect((await apiStream(origin, 'looped')).ingestBitrate).toBeGreaterThan(0), { timeout: 5000, interval: 250 });
    const list = await api(origin, 'GET', '/api/streams');
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toBe('no-store');
    const looped = list.json!.streams.find((s: { name: string }) => s.name === 'looped');
    expect(looped).toMatchObject({ state: 'live', source: { type: 'pull', url: media.av, loop: true }, keyRequired: false, manifest: '/live/looped/manifest.mpd' });
    // The fixture's two audio languages, each its own adaptation set.
    expect(looped.renditions.filter((r: { contentType: string }) => r.contentType === 'audio').map((r: { language: string }) => r.language).sort()).toEqual(['deu', 'eng']);
    expect(typeof looped.viewers).toBe('number');
  });

  it('puts a missing file and an input without video in state error, with the reason and a log line', async () => {
    await vi.waitFor(async () => expect((await apiStream(origin, 'missing')).state).toBe('error'), { timeout: 10_000, interval: 200 });
    expect((await apiStream(origin, 'missing')).reason).toBe(`stream missing: file ${join(directory, 'nope.mp4')} does not exist or cannot be read`);
    await vi.waitFor(async () => expect(await apiStream(origin, 'novideo')).toMatchObject({ state: 'error', reason: expect.stringContaining('has no video stream') }), {
      timeout: 10_000,
      interval: 200,
    });
    expect(records.some((r) => r.level === 50 && r.stream === 'novideo' && String(r.reason).includes('no video'))).toBe(true);
    expect((await apiStream(origin, 'looped')).state).toBe('live');
  });

  it('gives up on a URL that never answers: error after the input timeout, with the reason', async () => {
    const { port } = silent.address() as net.AddressInfo;
    expect((await api(origin, 'POST', '/api/streams', { name: 'silent', url: `http://127.0.0.1:${port}/live.ts` })).status).toBe(201);
    await vi.waitFor(async () => expect((await apiStream(origin, 'silent')).state).toBe('error'), { timeout: 10_000, interval: 200 });
    expect((await apiStream(origin, 'silent')).reason).toMatch(/^input http:\/\/127\.0\.0\.1:\d+\/live\.ts cannot be read: .*Connection timed out$/);
    expect((await api(origin, 'DELETE', '/api/streams/silent')).status).toBe(204);
  });

  it('POST /api/streams adds a pulled stream (201), refuses bad bodies (400 with field issues), taken names (409), missing files (422)', async () => {
    const created = await api(origin, 'POST', '/api/streams', { name: 'added', url: media.av, loop: true });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/streams/added');
    expect(created.json).toMatchObject({ name: 'added', state: 'starting', source: { type: 'pull', loop: true } });

    const bad = await api(origin, 'POST', '/api/streams', { name: 'no spaces', loop: 'yes', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json!.issues).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'expected 1 to 64 characters of A-Z a-z 0-9 _ -' },
        { path: 'url', message: 'expected a URL or file path' },
        { path: 'loop', message: 'expected true or false' },
        { path: 'extra', message: 'unknown field' },
      ]),
    );
    expect((await api(origin, 'POST', '/api/streams', '{"name":')).status).toBe(400);
    expect((await api(origin, 'POST', '/api/streams', { name: 'added', url: media.av })).status).toBe(409);
    // Missing, or outside pull.mediaDirectories: one answer, which tells nobody which files exist.
    for (const path of [join(directory, 'gone.mp4'), '/etc/passwd', '/etc/nonexistent']) {
      const refused = await api(origin, 'POST', '/api/streams', { name: 'gone', url: path });
      expect(refused).toMatchObject({ status: 422, json: { message: `stream gone: file ${path} is not a readable file in the media directories (pull.mediaDirectories)` } });
    }
    expect((await api(origin, 'GET', '/api/streams/gone')).status).toBe(404);

    await vi.waitFor(async () => expect((await apiStream(origin, 'added')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    expect((await api(origin, 'DELETE', '/api/streams/added')).status).toBe(204);
    expect((await api(origin, 'GET', '/api/streams/added')).status).toBe(404);
    expect((await api(origin, 'DELETE', '/api/streams/added')).status).toBe(404);
    // Its players are told the presentation ended.
    expect((await fetchManifest(origin, 'added')).type).toBe('static');
  });

  it('a pulled file without loop goes offline when it ends, with an ended manifest', async () => {
    expect((await api(origin, 'POST', '/api/streams', { name: 'once', url: media.av })).status).toBe(201);
    await vi.waitFor(async () => expect(await apiStream(origin, 'once')).toMatchObject({ state: 'offline', reason: 'input ended' }), {
      timeout: 15_000,
      interval: 200,
    });
    const ended = await fetchManifest(origin, 'once');
    expect(ended.type).toBe('static');
    await validateMpd(ended.xml);
  });
});

describe('StreamManager with an ffmpeg that keeps failing', () => {
  let directory: string;
  let origin: Origin & { url: string };
  let records: Array<Record<string, unknown>>;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-crash-'));
    const media = await makeMediaFixtures(directory);
    // Stands in for ffmpeg: fails at once, the way a broken encoder setup does.
    const fakeFfmpeg = join(directory, 'ffmpeg');
    await writeFile(fakeFfmpeg, '#!/bin/sh\necho "[error] Unknown encoder \'libx264\'" >&2\necho "[fatal] Conversion failed!" >&2\nexit 1\n');
    await chmod(fakeFfmpeg, 0o755);
    ({ origin, records } = await startIngestOrigin({
      ffmpeg: { path: fakeFfmpeg },
      supervision: { initialRestartDelay: 100, maxRestarts: 2 },
      streams: [{ name: 'broken', source: { type: 'pull', url: media.av, loop: true } }],
    }));
  });
  afterAll(async () => {
    await origin?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('restarts with backoff up to the cap, then error with ffmpeg\'s last lines, in the API, the logs and the metrics', async () => {
    await vi.waitFor(async () => expect((await apiStream(origin, 'broken')).state).toBe('error'), { timeout: 10_000, interval: 100 });
    const stream = await apiStream(origin, 'broken');
    expect(stream.reason).toBe('transcoder failed 3 times in a row (code 1: [fatal] Conversion failed!)');
    expect(stream.transcoder).toMatchObject({
      state: 'failed',
      restarts: 2,
      lastExit: { code: 1, lastLines: ["[error] Unknown encoder 'libx264'", '[fatal] Conversion failed!'] },
    });
    expect(records.filter((r) => r.stream === 'broken' && r.msg === 'ffmpeg exited; restarting')).toHaveLength(2);
    expect(records.find((r) => r.stream === 'broken' && r.msg === 'ffmpeg failed 3 times in a row; giving up')).toMatchObject({ level: 50 });
    expect(records.find((r) => r.stream === 'broken' && r.state === 'error')).toMatchObject({ level: 50, reason: stream.reason });
    const metrics = (await getText(`${origin.url}/metrics`)).body;
    expect(metrics).toMatch(/llstream_ffmpeg_restarts_total\{stream="broken"\} 2/);
    expect(metrics).toMatch(/llstream_stream_state\{stream="broken",state="error"\} 1/);
  });
});

describe('StreamManager when ffmpeg dies without writing its final manifest', () => {
  let directory: string;
  let origin: Origin & { url: string };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-kill-'));
    const media = await makeMediaFixtures(directory);
    ({ origin } = await startIngestOrigin({
      supervision: { initialRestartDelay: 100, maxRestarts: 0 },
      streams: [{ name: 'fragile', source: { type: 'pull', url: media.av, loop: true } }],
    }));
  }, 20_000);
  afterAll(async () => {
    await origin?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('ends the manifest itself, so players stop waiting for segments', async () => {
    await vi.waitFor(async () => expect((await apiStream(origin, 'fragile')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    const { pid } = (await apiStream(origin, 'fragile')).transcoder;
    process.kill(pid as number, 'SIGKILL');
    await vi.waitFor(async () => expect(await apiStream(origin, 'fragile')).toMatchObject({ state: 'error', reason: expect.stringContaining('signal SIGKILL') }), {
      timeout: 5000,
      interval: 100,
    });
    await vi.waitFor(async () => expect((await fetchManifest(origin, 'fragile')).type).toBe('static'), { timeout: 5000, interval: 100 });
    const ended = await fetchManifest(origin, 'fragile');
    // Up to the newest segment that reached the store: a few 1 s segments.
    expect(Number(/^PT([\d.]+)S$/.exec(ended.duration ?? '')?.[1])).toBeGreaterThanOrEqual(1);
    expect(ended.xml).not.toMatch(/minimumUpdatePeriod|timeShiftBufferDepth/);
    await validateMpd(ended.xml);
  });
});

describe('the built-in test source as a stream', () => {
  let origin: Origin & { url: string };
  afterAll(() => origin?.close());

  it('is listed in GET /api/streams and goes live', async () => {
    ({ origin } = await startIngestOrigin({ testSource: { stream: 'demo', transcode: ONE_RUNG } }));
    await vi.waitFor(async () => expect(await apiStream(origin, 'demo')).toMatchObject({ state: 'live', source: { type: 'test' } }), {
      timeout: 15_000,
      interval: 200,
    });
    expect(origin.testSource?.status().state).toBe('running');
  });
});
