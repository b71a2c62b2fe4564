import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Origin } from '../src/index.js';
import { download, getText, liveManifest, put, segmentName, sleep, startOrigin, upload } from './helpers.js';

describe('createOrigin', () => {
  let origin: Origin & { url: string };
  let live: string;
  let ingest: string;
  beforeEach(async () => {
    origin = await startOrigin();
    live = `${origin.url}/live/s`;
    ingest = `${origin.url}/ingest/s`;
  });
  afterEach(() => origin.close());

  const liveReaders = (): number => origin.store.stats().reduce((sum, s) => sum + s.liveReaders, 0);

  describe('segment fan-out', () => {
    it('streams an uploading segment chunk by chunk, chunked, to a reader that joined mid-segment', async () => {
      const up = upload(`${ingest}/${segmentName(1)}`);
      await up.write('chunk-1|');
      await up.write('chunk-2|');
      await vi.waitFor(() => expect(origin.store.stream('s')?.segment(segmentName(1))?.chunkCount).toBe(2));

      const reader = download(`${live}/${segmentName(1)}`);
      const res = await reader.response;
      expect(res.statusCode).toBe(200);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('public, max-age=1');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      await vi.waitFor(() => expect(Buffer.concat(reader.chunks.map((c) => c.data)).toString()).toBe('chunk-1|chunk-2|'));

      await up.write('chunk-3|');
      await vi.waitFor(() => expect(Buffer.concat(reader.chunks.map((c) => c.data)).toString()).toBe('chunk-1|chunk-2|chunk-3|'));
      expect(await up.end()).toBe(204);
      const { complete, body } = await reader.done;
      expect(complete).toBe(true);
      expect(body.toString()).toBe('chunk-1|chunk-2|chunk-3|');
    });

    it('forwards each chunk to two readers the moment it arrives', async () => {
      const up = upload(`${ingest}/${segmentName(1)}`);
      await up.write('a');
      const readers = [download(`${live}/${segmentName(1)}`), download(`${live}/${segmentName(1)}`)];
      await Promise.all(readers.map((r) => r.response));
      for (const text of ['b', 'c', 'd']) {
        const sent = performance.now();
        await up.write(text);
        for (const reader of readers) {
          await vi.waitFor(() => expect(reader.chunks.at(-1)?.data.toString()).toBe(text));
          // Forwarded on arrival, not on a poll or at the end of the upload.
          expect(reader.chunks.at(-1)!.at - sent).toBeLessThan(250);
        }
      }
      await up.end();
      for (const reader of readers) expect((await reader.done).body.toString()).toBe('abcd');
    });

    it('does not let a paused reader delay the upload or another reader', async () => {
      const total = 48 * 1024 * 1024;
      const piece = Buffer.alloc(1024 * 1024, 7);
      const up = upload(`${ingest}/${segmentName(1)}`);
      await up.write(piece);
      const paused = download(`${live}/${segmentName(1)}`);
      (await paused.response).pause();
      const reading = download(`${live}/${segmentName(1)}`);
      await reading.response;

      for (let sent = piece.length; sent < total; sent += piece.length) await up.write(piece);
      expect(await up.end()).toBe(204);
      const { body } = await reading.done;
      expect(body.length).toBe(total);
      // The paused client holds only what fits in socket buffers.
      const pausedBytes = paused.chunks.reduce((sum, c) => sum + c.data.length, 0);
      expect(pausedBytes).toBeLessThan(total);

      (await paused.response).resume();
      expect((await paused.done).body.length).toBe(total);
    });

    it('removes a reader whose client goes away', async () => {
      const up = upload(`${ingest}/${segmentName(1)}`);
      await up.write('a');
      const reader = download(`${live}/${segmentName(1)}`);
      await reader.response;
      await vi.waitFor(() => expect(liveReaders()).toBe(1));
      reader.abort();
      await vi.waitFor(() => expect(liveReaders()).toBe(0));
      await up.write('b');
      expect(await up.end()).toBe(204);
    });

    it('serves a finished segment with Content-Length, immutable, and HEAD without a body', async () => {
      expect(await put(`${ingest}/${segmentName(1)}`, 'complete-segment')).toBe(204);
      const got = await getText(`${live}/${segmentName(1)}`);
      expect(got.status).toBe(200);
      expect(got.body).toBe('complete-segment');
      expect(got.headers['content-length']).toBe('16');
      expect(got.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(got.headers['content-type']).toBe('video/iso.segment');

      const head = download(`${live}/${segmentName(1)}`, { method: 'HEAD' });
      const res = await head.response;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-length']).toBe('16');
      expect((await head.done).body.length).toBe(0);
    });

    it('answers pipelined requests in order, streaming the second once the first is done', async () => {
      const socket = connect(Number(new URL(origin.url).port), '127.0.0.1');
      let raw = '';
      socket.setEncoding('latin1');
      socket.on('data', (data: string) => (raw += data));
      await once(socket, 'connect');
      const up1 = upload(`${ingest}/${segmentName(1)}`);
      await up1.write('a1|');
      const up2 = upload(`${ingest}/${segmentName(2)}`);
      await up2.write('b1|');
      await vi.waitFor(() => expect(origin.store.stream('s')?.segment(segmentName(2))?.chunkCount).toBe(1));
      const get = (n: number): string => `GET /live/s/${segmentName(n)} HTTP/1.1\r\nHost: x\r\n\r\n`;
      // Both requests in one write: the second's response waits for the first's end.
      socket.write(get(1) + get(2));
      await vi.waitFor(() => expect(raw).toContain('a1|'));
      await up1.write('a2|');
      await up2.write('b2|');
      expect(await up1.end()).toBe(204);
      await up2.write('b3|');
      expect(await up2.end()).toBe(204);
      await vi.waitFor(() => expect(raw.split('\r\n0\r\n\r\n')).toHaveLength(3));
      socket.destroy();
      const responses = raw.split(/(?=HTTP\/1\.1 )/);
      expect(responses).toHaveLength(2);
      const dechunk = (response: string): string => {
        let rest = response.slice(response.indexOf('\r\n\r\n') + 4);
        let body = '';
        for (;;) {
          const size = Number.parseInt(rest.slice(0, rest.indexOf('\r\n')), 16);
          if (size === 0) return body;
          rest = rest.slice(rest.indexOf('\r\n') + 2);
          body += rest.slice(0, size);
          rest = rest.slice(size + 2);
        }
      };
      expect(responses.map((r) => r.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
      expect(responses.map(dechunk)).toEqual(['a1|a2|', 'b1|b2|b3|']);
    });

    it('serves init segments long-lived too', async () => {
      await put(`${ingest}/init-run1-v.m4s`, 'ftyp-moov');
      expect((await getText(`${live}/init-run1-v.m4s`)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    });
  });

  describe('broken-off upload', () => {
    it('gives readers the bytes that arrived and a response cut short, and is not cached later', async () => {
      const up = upload(`${ingest}/${segmentName(1)}`);
      await up.write('first|');
      await up.write('second|');
      const reader = download(`${live}/${segmentName(1)}`);
      await vi.waitFor(() => expect(Buffer.concat(reader.chunks.map((c) => c.data)).toString()).toBe('first|second|'));

      up.breakOff();
      const { complete, body } = await reader.done;
      expect(complete).toBe(false);
      expect(body.toString()).toBe('first|second|');
      await vi.waitFor(() => expect(origin.store.stream('s')?.segment(segmentName(1))?.state).toBe('aborted'));

      const later = download(`${live}/${segmentName(1)}`);
      const res = await later.response;
      expect(res.headers['cache-control']).toBe('no-store');
      const after = await later.done;
      expect(after.complete).toBe(false);
      expect(after.body.toString()).toBe('first|second|');
    });

    it('keeps serving other streams', async () => {
      const broken = upload(`${origin.url}/ingest/other/${segmentName(1)}`);
      await broken.write('x');
      broken.breakOff();
      expect(await put(`${ingest}/${segmentName(1)}`, 'fine')).toBe(204);
      expect((await getText(`${live}/${segmentName(1)}`)).body).toBe('fine');
    });
  });

  describe('hold rule', () => {
    beforeEach(async () => {
      expect(await put(`${ingest}/manifest.mpd`, liveManifest())).toBe(204);
    });

    it('holds a request for the next segment and answers when its upload starts', async () => {
      const current = upload(`${ingest}/${segmentName(1)}`);
      await current.write('1');
      const asked = performance.now();
      const held = download(`${live}/${segmentName(2)}`);
      await sleep(300);
      expect(held.chunks).toHaveLength(0);
      const next = upload(`${ingest}/${segmentName(2)}`);
      await next.write('first chunk of 2');
      const res = await held.response;
      expect(performance.now() - asked).toBeGreaterThanOrEqual(300);
      expect(res.statusCode).toBe(200);
      await vi.waitFor(() => expect(held.chunks.at(-1)?.data.toString()).toBe('first chunk of 2'));
      await Promise.all([current.end(), next.end()]);
    });

    it('answers 404 at once beyond the next few segments', async () => {
      const current = upload(`${ingest}/${segmentName(1)}`);
      await current.write('1');
      const asked = performance.now();
      const far = await getText(`${live}/${segmentName(5)}`);
      expect(far.status).toBe(404);
      expect(far.headers['cache-control']).toBe('no-store');
      // A held request would take 1.5 s.
      expect(performance.now() - asked).toBeLessThan(500);
      await current.end();
    });

    it('answers 404 when the upload does not start within 1.5 segment durations', async () => {
      const current = upload(`${ingest}/${segmentName(1)}`);
      await current.write('1');
      const asked = performance.now();
      const late = await getText(`${live}/${segmentName(2)}`);
      const waited = performance.now() - asked;
      expect(late.status).toBe(404);
      expect(waited).toBeGreaterThanOrEqual(1450);
      expect(waited).toBeLessThan(2500);
      await current.end();
    });
  });

  describe('manifest', () => {
    it('is replaced atomically: a GET during a slow PUT gets the previous complete manifest', async () => {
      expect(await put(`${ingest}/manifest.mpd`, liveManifest({ tag: 'first' }))).toBe(204);
      const next = liveManifest({ tag: 'second' });
      const slow = upload(`${ingest}/manifest.mpd`);
      await slow.write(next.slice(0, next.length / 2));
      await sleep(50);

      const during = await getText(`${live}/manifest.mpd`);
      expect(during.status).toBe(200);
      expect(during.body).toContain('init-first-');
      expect(during.body.trimEnd().endsWith('</MPD>')).toBe(true);

      await slow.write(next.slice(next.length / 2));
      expect(await slow.end()).toBe(204);
      expect((await getText(`${live}/manifest.mpd`)).body).toContain('init-second-');
    });

    it('points UTCTiming at this origin as the client reached it, and is cached about half a segment', async () => {
      await put(`${ingest}/manifest.mpd`, liveManifest({ segmentSeconds: 4 }));
      const direct = await getText(`${live}/manifest.mpd`);
      expect(direct.headers['content-type']).toBe('application/dash+xml');
      expect(direct.headers['cache-control']).toBe('public, max-age=2');
      expect(direct.headers['access-control-allow-origin']).toBe('*');
      expect(direct.body).toContain(`value="${origin.url}/time"`);

      const viaCdn = await getText(`${live}/manifest.mpd`, {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'live.example.com',
      });
      expect(viaCdn.body).toContain('value="https://live.example.com/time"');
      expect(viaCdn.body).not.toContain('127.0.0.1');
      expect(viaCdn.headers.vary).toContain('X-Forwarded-Host');
    });

    it('rejects a manifest that is not an MPD and keeps the previous one', async () => {
      await put(`${ingest}/manifest.mpd`, liveManifest({ tag: 'good' }));
      expect(await put(`${ingest}/manifest.mpd`, '<html>not a manifest')).toBe(400);
      expect((await getText(`${live}/manifest.mpd`)).body).toContain('init-good-');
    });
  });

  describe('bad input', () => {
    const rejected = async (path: string, method: 'PUT' | 'POST' | 'DELETE' = 'PUT'): Promise<string> => {
      const up = upload(`${origin.url}${path}`, method);
      await up.write('bytes');
      const res = await up.response;
      let body = '';
      for await (const piece of res) body += String(piece);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/json');
      return (JSON.parse(body) as { message: string }).message;
    };

    it('answers 400 naming the problem and stores nothing', async () => {
      expect(await rejected('/ingest/bad%20name/seg-1.m4s')).toMatch(/stream name "bad name"/);
      expect(await rejected(`/ingest/${'x'.repeat(65)}/seg-1.m4s`)).toMatch(/stream name/);
      expect(await rejected(`/ingest/s/${'x'.repeat(129)}.m4s`)).toMatch(/1 to 128 characters/);
      expect(await rejected('/ingest/s/..%2F..%2Fetc%2Fpasswd.m4s')).toMatch(/must not contain "\.\."/);
      expect(await rejected('/ingest/s/notes.txt')).toMatch(/\.mpd, \.m4s or \.mp4/);
      expect(await rejected('/ingest/s/a.b.m4s')).toMatch(/file name "a\.b\.m4s"/);
      expect(await rejected('/ingest/s/../x.m4s')).toMatch(/no further path segments/);
      expect(await rejected('/ingest/s/dir/x.m4s', 'POST')).toMatch(/no further path segments/);
      expect(await rejected('/ingest/s/x.exe', 'DELETE')).toMatch(/file name/);
      expect(origin.store.stream('s')).toBeUndefined();
      expect(origin.store.stats()).toEqual([]);
    });

    it('answers 404 promptly for an unknown stream, file or manifest', async () => {
      const asked = performance.now();
      for (const url of [`${origin.url}/live/nobody/manifest.mpd`, `${origin.url}/live/nobody/${segmentName(1)}`]) {
        const res = await getText(url);
        expect(res.status).toBe(404);
        expect(res.headers['cache-control']).toBe('no-store');
      }
      await put(`${ingest}/${segmentName(1)}`, 'x');
      expect((await getText(`${live}/manifest.mpd`)).status).toBe(404);
      expect((await getText(`${live}/${segmentName(2)}`)).status).toBe(404);
      expect(performance.now() - asked).toBeLessThan(1000);
    });

    it('honors the publisher DELETE', async () => {
      await put(`${ingest}/${segmentName(1)}`, 'x');
      expect(await put(`${ingest}/${segmentName(1)}`, '', 'DELETE')).toBe(204);
      expect((await getText(`${live}/${segmentName(1)}`)).status).toBe(404);
      expect(await put(`${ingest}/${segmentName(1)}`, '', 'DELETE')).toBe(404);
    });
  });

  describe('GET /time', () => {
    it('answers UTC ISO 8601 with milliseconds, never cached, with CORS', async () => {
      const res = await getText(`${origin.url}/time`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-expose-headers']).toContain('Date');
      expect(res.body).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Math.abs(Date.parse(res.body) - Date.now())).toBeLessThan(1000);
    });

    it('answers CORS preflight', async () => {
      const res = await getText(`${origin.url}/live/s/manifest.mpd`, {});
      expect(res.headers['access-control-allow-origin']).toBe('*');
      const preflight = download(`${origin.url}/time`, {
        headers: { origin: 'https://player.example', 'access-control-request-method': 'GET' },
      });
      const pre = await preflight.response;
      expect(pre.headers['access-control-allow-origin']).toBe('*');
    });
  });

  describe('GET /healthz', () => {
    it('reports streams, uptime and the test source', async () => {
      await put(`${ingest}/${segmentName(1)}`, 'x');
      const res = await getText(`${origin.url}/healthz`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const report = JSON.parse(res.body) as { status: string; uptime: number; memory: { rss: number; heapUsed: number }; streams: Array<{ name: string; segments: number }>; testSource: unknown };
      expect(report.status).toBe('ok');
      expect(report.uptime).toBeGreaterThan(0);
      expect(report.memory.rss).toBeGreaterThan(report.memory.heapUsed);
      expect(report.streams).toEqual([expect.objectContaining({ name: 's', segments: 1 })]);
      expect(report.testSource).toBeNull();
    });
  });
});

describe('createOrigin demo page', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-demo-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('plays /live/demo/manifest.mpd with <ll-player>, a wall clock and the latency readout', async () => {
    const bundle = join(directory, 'll-player.js');
    await writeFile(bundle, 'customElements.define("ll-player", class extends HTMLElement {});');
    await writeFile(join(directory, 'll-player.iife.js'), '(function(){customElements.define("ll-player", class extends HTMLElement {})})();');
    const origin = await startOrigin({ playerBundle: bundle });
    try {
      const page = await getText(`${origin.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain("createElement('ll-player')");
      expect(page.body).toContain('/live/demo/manifest.mpd');
      expect(page.body).toContain("import('/assets/ll-player.js')");
      expect(page.body).toContain('id="clock"');
      expect(page.body).toContain('statechange');
      expect(page.body).toContain('data-bundle="available"');

      const asset = await getText(`${origin.url}/assets/ll-player.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toContain('text/javascript');
      expect(asset.body).toContain('customElements.define');
      // Other sites load the element as a cross-origin module script.
      expect(asset.headers['access-control-allow-origin']).toBe('*');
      // ... or as a classic script.
      const classic = await getText(`${origin.url}/assets/ll-player.iife.js`);
      expect(classic.status).toBe(200);
      expect(classic.headers['content-type']).toContain('text/javascript');
      expect(classic.body).toContain('(function(){');
      expect((await getText(`${origin.url}/assets/ll-player.iife.js.map`)).status).toBe(404);
    } finally {
      await origin.close();
    }
  });

  it('says clearly when the player bundle is not built', async () => {
    const origin = await startOrigin({ playerBundle: join(directory, 'missing.js') });
    try {
      const page = await getText(`${origin.url}/`);
      expect(page.body).toContain('data-bundle="missing"');
      expect(page.body).toContain('player bundle not built: run npm run build');
      const asset = await getText(`${origin.url}/assets/ll-player.js`);
      expect(asset.status).toBe(404);
      expect(asset.body).toBe('player bundle not built: run npm run build');
    } finally {
      await origin.close();
    }
  });
});
