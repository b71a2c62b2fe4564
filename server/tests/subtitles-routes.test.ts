import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../src/index.js';
import { startOrigin, upload } from './helpers.js';

describe('subtitleRoutes', () => {
  let origin: Origin & { url: string };
  const token = 'cam-key-0123456789';
  beforeAll(async () => {
    origin = await startOrigin({ openIngest: false, testSource: false, rtmp: false, streams: [{ name: 'cam', key: token, source: { type: 'rtmp' } }] });
  });
  afterAll(() => origin?.close());

  const put = async (path: string, body: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) => {
    const response = await fetch(`${origin.url}${path}`, { method: 'PUT', body, headers });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as { message?: string } | undefined };
  };

  it('takes a live WebVTT upload with the stream key and feeds the packager piece by piece', async () => {
    const request = upload(`${origin.url}/ingest/cam/subtitles/s2.vtt?language=eng&label=English%20SDH&key=${token}`);
    request.write('WEBVTT\n');
    await request.write('\n00:00.500 --> 00:01.000\nhello\n');
    await expect.poll(() => origin.subtitles.tracks('cam')).toEqual([{ id: 's2', language: 'eng', label: 'English SDH' }]);
    expect(await request.end()).toBe(204);
  });

  it('refuses an upload without a key (401) or with a wrong one (403) before storing anything', async () => {
    expect(await put('/ingest/other/subtitles/s0.vtt', 'WEBVTT\n', {})).toMatchObject({ status: 401, body: { message: expect.stringContaining('needs its stream key') } });
    expect(await put('/ingest/other/subtitles/s0.vtt?key=nope', 'WEBVTT\n', {})).toMatchObject({ status: 403 });
    expect(origin.subtitles.tracks('other')).toEqual([]);
  });

  it('answers 400 naming the problem for a bad track name or language; other ingest paths keep their own answers', async () => {
    expect(await put('/ingest/cam/subtitles/a.b.vtt', '')).toMatchObject({ status: 400, body: { message: expect.stringContaining('subtitle file name "a.b.vtt"') } });
    expect(await put('/ingest/cam/subtitles/s1.srt', '')).toMatchObject({ status: 400 });
    expect(await put('/ingest/cam/subtitles/s1.vtt?language=english%20please', '')).toMatchObject({ status: 400, body: { message: expect.stringContaining('language "english please"') } });
    expect(await put('/ingest/bad.name/subtitles/s1.vtt', '')).toMatchObject({ status: 400 });
    expect(await put('/ingest/cam/more/s1.vtt', '')).toMatchObject({ status: 400, body: { message: expect.stringContaining('no further path segments') } });
  });
});
