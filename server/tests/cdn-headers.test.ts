import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Origin } from '../src/index.js';
import { download, getText, liveManifest, put, segmentName, startOrigin, upload } from './helpers.js';

// What the origin tells CDNs besides Cache-Control: Surrogate-Control for
// segments still uploading, and Akamai's origin-assist prefetch path.
describe('playback routes: headers for CDNs', () => {
  let origin: Origin & { url: string };
  let live: string;
  let ingest: string;
  beforeEach(async () => {
    origin = await startOrigin();
    live = `${origin.url}/live/s`;
    ingest = `${origin.url}/ingest/s`;
    expect(await put(`${ingest}/manifest.mpd`, liveManifest({ audio: true }))).toBe(204);
  });
  afterEach(() => origin.close());

  const prefetch = { 'CDN-Origin-Assist-Prefetch-Enabled': '1' };

  describe('Surrogate-Control', () => {
    it('lets CDNs keep a segment still uploading as long as a finished one, browsers only one segment duration', async () => {
      const up = upload(`${ingest}/${segmentName(1)}`);
      await up.write('first chunk');
      const reader = download(`${live}/${segmentName(1)}`);
      const res = await reader.response;
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['cache-control']).toBe('public, max-age=1');
      expect(res.headers['surrogate-control']).toBe('max-age=31536000');
      await up.end();
      await reader.done;
    });

    it('is not sent with finished segments, manifests or 404s (Cache-Control already says it)', async () => {
      await put(`${ingest}/${segmentName(1)}`, 'complete');
      for (const url of [`${live}/${segmentName(1)}`, `${live}/manifest.mpd`, `${live}/${segmentName(9)}`]) {
        const got = await getText(url);
        expect(got.headers['surrogate-control'], url).toBeUndefined();
      }
    });
  });

  describe('CDN-Origin-Assist-Prefetch-Path (Akamai)', () => {
    it('names the next media segment of the same representation, relative to the requested one, when the request enables it', async () => {
      await put(`${ingest}/${segmentName(7)}`, 'video 7');
      await put(`${ingest}/${segmentName(7, 'run1', 'a')}`, 'audio 7');
      const video = await getText(`${live}/${segmentName(7)}`, prefetch);
      expect(video.status).toBe(200);
      expect(video.headers['cdn-origin-assist-prefetch-path']).toBe(segmentName(8));
      const audio = await getText(`${live}/${segmentName(7, 'run1', 'a')}`, prefetch);
      expect(audio.headers['cdn-origin-assist-prefetch-path']).toBe(segmentName(8, 'run1', 'a'));
    });

    it('names the next segment of one still uploading too (the origin holds that prefetch until its upload starts)', async () => {
      const up = upload(`${ingest}/${segmentName(99_999)}`);
      await up.write('x');
      const reader = download(`${live}/${segmentName(99_999)}`, { headers: prefetch });
      // The number grows past the template's five digits.
      expect((await reader.response).headers['cdn-origin-assist-prefetch-path']).toBe('seg-run1-v-100000.m4s');
      await up.end();
      await reader.done;
    });

    it('is absent without the request header, with another value, for init segments and manifests', async () => {
      await put(`${ingest}/${segmentName(1)}`, 'video 1');
      await put(`${ingest}/init-run1-v.m4s`, 'init');
      const cases: Array<[string, Record<string, string>]> = [
        [`${live}/${segmentName(1)}`, {}],
        [`${live}/${segmentName(1)}`, { 'CDN-Origin-Assist-Prefetch-Enabled': '0' }],
        [`${live}/init-run1-v.m4s`, prefetch],
        [`${live}/manifest.mpd`, prefetch],
      ];
      for (const [url, headers] of cases) {
        const got = await getText(url, headers);
        expect(got.status, url).toBe(200);
        expect(got.headers['cdn-origin-assist-prefetch-path'], `${url} ${JSON.stringify(headers)}`).toBeUndefined();
      }
    });
  });
});
