import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expandTemplate, prepareManifest, signedPlaybackPath, signPlaybackToken, type Origin } from '../src/index.js';
import { captureLogger, liveManifest, segmentName, sleep, startOrigin, upload } from './helpers.js';
import { ONE_RUNG } from './ingest-helpers.js';

// Every hostile input tried against a real origin, with the built-in test
// source (real ffmpeg, dash muxer, persistent chunked PUTs) publishing
// `demo` and a viewer following `demo` segment by segment all along: after
// each input, the viewer must get its next segments as before.

const CAM_KEY = 'cam-key-0123456789';
const SECRET = 'playback-signing-secret-0123456789abcdef';
/** Limits of this origin, in the config file's names and units (seconds): the defaults scaled down so the timeouts are tested in seconds (see README, Limits). */
const LIMITS = {
  headersTimeout: 2,
  connectionTimeout: 3,
  uploadIdleTimeout: 1,
  maxUploadDuration: 3,
  maxManifestBytes: 64 * 1024,
  maxHeldRequestsPerClient: 8,
  maxUrlLength: 2048,
};
const MAX_SEGMENT_BYTES = 4 * 1024 * 1024;

let origin: Origin & { url: string };
let viewer: Viewer;
let viewerStartedAt = 0;

/** What a hostile request got back: a status, or the connection closed without one. */
interface Outcome {
  status: number | 'closed';
  /** JSON `message` (or the raw text) of the answer. */
  message: string;
}

async function request(
  method: string,
  path: string,
  options: { headers?: http.OutgoingHttpHeaders; body?: string | Buffer; localAddress?: string } = {},
): Promise<Outcome> {
  const { port } = new URL(origin.url);
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: options.headers, agent: false, localAddress: options.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, message: messageOf(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', () => resolve({ status: 'closed', message: '' }));
    req.end(options.body);
  });
}

function messageOf(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}

/**
 * Writes `data` on a raw TCP connection (optionally more lines every
 * `dripMs`) and reads until the server closes it or `waitMs` pass.
 */
function raw(data: string, { drip, waitMs = 6000 }: { drip?: string; waitMs?: number } = {}): Promise<Outcome & { closedAfter: number }> {
  const { port } = new URL(origin.url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(Number(port), '127.0.0.1');
    let text = '';
    let dripper: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearInterval(dripper);
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? 'closed' : Number(status), message: messageOf(text.split('\r\n\r\n').slice(1).join('')), closedAfter: performance.now() - started });
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(data);
    if (drip !== undefined) dripper = setInterval(() => socket.write(drip), 300);
  });
}

const camKey = { authorization: `Bearer ${CAM_KEY}` };
const signed = (file: string, expires = Date.now() / 1000 + 60): string => signedPlaybackPath(SECRET, 'cam', file, expires);

/** A viewer that acts like a low-latency player on `demo`: manifest, then every segment of the video rendition from the live edge on. */
class Viewer {
  completed = 0;
  /** Segment bytes received: grows with every chunk of the live segment. */
  bytes = 0;
  /** Responses no player may get from a healthy origin: 429s, 5xx, segments cut short. */
  readonly failures: string[] = [];
  #stopped = false;
  #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  lastSegment: string | undefined;

  async run(): Promise<void> {
    let layout: { name(n: number): string; live(): number } | undefined;
    let number = 0;
    while (!this.#stopped) {
      if (layout === undefined) {
        layout = await this.#layout();
        if (layout === undefined) {
          await sleep(200);
          continue;
        }
        number = layout.live();
      }
      const name = layout.name(number);
      const status = await this.#fetch(name);
      if (status === 200) {
        this.completed += 1;
        this.lastSegment = name;
        number += 1;
      } else {
        if (status === 429 || status >= 500) this.failures.push(`${status} for ${name}`);
        layout = undefined;
        if (!this.#stopped) await sleep(100);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#agent.destroy();
  }

  async #layout(): Promise<{ name(n: number): string; live(): number } | undefined> {
    const { status, body } = await this.#get('manifest.mpd');
    if (status !== 200) return undefined;
    const video = prepareManifest(body).info.representations.find((r) => r.media !== undefined);
    const ast = /availabilityStartTime="([^"]+)"/.exec(body)?.[1];
    if (video?.media === undefined || video.segmentDuration === undefined || ast === undefined) return undefined;
    const { media, id, startNumber, segmentDuration } = video;
    return {
      name: (number) => expandTemplate(media, { representationId: id, number })!,
      live: () => startNumber + Math.floor((Date.now() - Date.parse(ast)) / 1000 / segmentDuration),
    };
  }

  #get(file: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      http
        .get(`${origin.url}/live/demo/${file}`, { agent: this.#agent }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', () => resolve({ status: 0, body }));
        })
        .on('error', () => resolve({ status: 0, body: '' }));
    });
  }

  #fetch(name: string): Promise<number> {
    return new Promise((resolve) => {
      http
        .get(`${origin.url}/live/demo/${name}`, { agent: this.#agent }, (res) => {
          res.on('data', (chunk: Buffer) => {
            if (res.statusCode === 200) this.bytes += chunk.length;
          });
          res.on('end', () => {
            if (res.statusCode === 200 && !res.complete) this.failures.push(`${name} cut short`);
            resolve(res.statusCode === 200 && res.complete ? 200 : (res.statusCode ?? 0));
          });
          res.on('error', () => {
            if (!this.#stopped) this.failures.push(`${name} cut short`);
            resolve(0);
          });
        })
        .on('error', () => resolve(0));
    });
  }
}

interface HostileInput {
  /** What is sent. */
  input: string;
  /** The answer it must get: a status, or `closed` (the connection is closed without one). */
  expected: number | 'closed';
  /** The answer's message must match (it names the problem). */
  message?: RegExp;
  run(): Promise<Outcome>;
  /** Further checks that nothing was stored or changed. */
  after?(): Promise<void>;
}

const longName = 'a'.repeat(300);
const goodCamManifest = liveManifest({ tag: 'cam1' });

const cases: HostileInput[] = [
  // Names and paths
  { input: 'GET /live/demo/..%2f..%2fetc%2fpasswd', expected: 400, message: /must not contain "\.\."/, run: () => request('GET', '/live/demo/..%2f..%2fetc%2fpasswd') },
  { input: 'GET /live/demo/%2e%2e/manifest.mpd (encoded dot segment)', expected: 400, message: /is not a playback token/, run: () => request('GET', '/live/demo/%2e%2e/manifest.mpd') },
  { input: 'GET /live/%2e%2e/%2e%2e/etc/passwd', expected: 404, message: /no route/, run: () => request('GET', '/live/%2e%2e/%2e%2e/etc/passwd') },
  { input: 'GET /live/demo/seg%00.m4s (NUL)', expected: 400, message: /file name/, run: () => request('GET', '/live/demo/seg%00.m4s') },
  { input: 'GET /live/d%C3%A9mo/manifest.mpd (unicode stream name)', expected: 400, message: /stream name "démo"/, run: () => request('GET', '/live/d%C3%A9mo/manifest.mpd') },
  { input: 'GET /live/demo/%E2%80%AEgepj.m4s (unicode right-to-left override)', expected: 400, message: /file name/, run: () => request('GET', '/live/demo/%E2%80%AEgepj.m4s') },
  { input: `GET /live/demo/{300 characters}.m4s`, expected: 400, message: /1 to 128 characters/, run: () => request('GET', `/live/demo/${longName}.m4s`) },
  { input: 'GET /live/demo/manifest.mpd%E0%A4%A (broken percent-encoding)', expected: 400, run: () => request('GET', '/live/demo/manifest.mpd%E0%A4%A') },
  { input: 'GET /live/nosuchstream/manifest.mpd', expected: 404, message: /no stream nosuchstream/, run: () => request('GET', '/live/nosuchstream/manifest.mpd') },
  { input: 'PUT /ingest/cam/..%2fescape.m4s (with the key)', expected: 400, message: /must not contain "\.\."/, run: () => request('PUT', '/ingest/cam/..%2fescape.m4s', { headers: camKey, body: 'x' }) },
  { input: 'PUT /ingest/cam/a/b/c.m4s (extra path segments)', expected: 400, message: /no further path segments/, run: () => request('PUT', '/ingest/cam/a/b/c.m4s', { headers: camKey, body: 'x' }) },
  { input: 'PUT /ingest/cam/seg.exe', expected: 400, message: /followed by \.mpd, \.m4s or \.mp4/, run: () => request('PUT', '/ingest/cam/seg.exe', { headers: camKey, body: 'x' }) },

  // Request line and headers
  { input: 'GET with a 3000-character path', expected: 414, message: /is 3015 characters; at most 2048/, run: () => request('GET', `/live/demo/${'b'.repeat(3000)}.m4s`) },
  { input: 'GET manifest with a 3000-character query string', expected: 414, message: /at most 2048/, run: () => request('GET', `/live/demo/manifest.mpd?q=${'c'.repeat(3000)}`) },
  { input: 'GET with 20 KiB of headers', expected: 431, run: () => raw(`GET /time HTTP/1.1\r\nHost: x\r\nX-Big: ${'d'.repeat(20 * 1024)}\r\n\r\n`) },
  { input: 'GET without Host (HTTP/1.1)', expected: 400, run: () => raw('GET /time HTTP/1.1\r\n\r\n') },
  { input: 'PUT with Content-Length and Transfer-Encoding (smuggling)', expected: 400, run: () => raw('PUT /ingest/cam/x.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n') },
  { input: 'BREW /time (unknown method)', expected: 400, run: () => raw('BREW /time HTTP/1.1\r\nHost: x\r\n\r\n') },
  { input: 'PATCH /live/demo/manifest.mpd', expected: 405, message: /use GET, HEAD, OPTIONS/, run: () => request('PATCH', '/live/demo/manifest.mpd') },
  { input: 'DELETE /live/demo/manifest.mpd', expected: 405, message: /DELETE is not allowed/, run: () => request('DELETE', '/live/demo/manifest.mpd') },
  { input: 'GET /ingest/cam/manifest.mpd', expected: 405, message: /use PUT, POST, DELETE/, run: () => request('GET', '/ingest/cam/manifest.mpd') },
  { input: 'POST /time', expected: 405, run: () => request('POST', '/time', { body: 'x' }) },
  { input: 'POST /api/streams with broken JSON', expected: 400, run: () => request('POST', '/api/streams', { headers: { 'content-type': 'application/json' }, body: '{"name": "x", ' }) },

  // Publish keys
  { input: 'PUT /ingest/demo/manifest.mpd without a key (the test source stream)', expected: 401, message: /needs its stream key/, run: () => request('PUT', '/ingest/demo/manifest.mpd', { body: goodCamManifest }) },
  { input: 'PUT /ingest/cam/manifest.mpd without a key', expected: 401, message: /needs its stream key/, run: () => request('PUT', '/ingest/cam/manifest.mpd', { body: goodCamManifest }) },
  { input: 'PUT /ingest/cam/manifest.mpd with a wrong key', expected: 403, message: /wrong stream key/, run: () => request('PUT', '/ingest/cam/manifest.mpd', { headers: { authorization: 'Bearer not-the-key-0000' }, body: goodCamManifest }) },
  { input: 'PUT /ingest/undeclared/manifest.mpd with the key of another stream', expected: 403, run: () => request('PUT', '/ingest/undeclared/manifest.mpd', { headers: camKey, body: goodCamManifest }) },

  // Malformed manifests: 400, the last good one stays
  { input: 'PUT cam manifest: not XML', expected: 400, message: /not well-formed XML/, run: () => request('PUT', '/ingest/cam/manifest.mpd', { headers: camKey, body: 'this is no manifest' }), after: camManifestUnchanged },
  { input: 'PUT cam manifest: XML with another root', expected: 400, message: /root must be an MPD/, run: () => request('PUT', '/ingest/cam/manifest.mpd', { headers: camKey, body: '<?xml version="1.0"?><html/>' }), after: camManifestUnchanged },
  { input: 'PUT cam manifest: truncated MPD', expected: 400, message: /not well-formed XML/, run: () => request('PUT', '/ingest/cam/manifest.mpd', { headers: camKey, body: goodCamManifest.slice(0, 400) }), after: camManifestUnchanged },
  {
    input: 'PUT cam manifest: entity expansion (billion laughs)',
    expected: 400,
    message: /not well-formed XML/,
    run: () =>
      request('PUT', '/ingest/cam/manifest.mpd', {
        headers: camKey,
        body: `<?xml version="1.0"?><!DOCTYPE MPD [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><MPD xmlns="urn:mpeg:dash:schema:mpd:2011">&c;</MPD>`,
      }),
    after: camManifestUnchanged,
  },
  {
    input: 'PUT cam manifest: segment duration of 11.6 days',
    expected: 400,
    message: /segment duration 1000000 s is outside/,
    run: () => request('PUT', '/ingest/cam/manifest.mpd', { headers: camKey, body: liveManifest({ tag: 'cam1', segmentSeconds: 1_000_000 }) }),
    after: camManifestUnchanged,
  },

  // Oversized uploads
  {
    input: 'PUT cam manifest with Content-Length 100 KiB (limit 64 KiB)',
    expected: 413,
    message: /at most 65536 are accepted/,
    run: () => request('PUT', '/ingest/cam/manifest.mpd', { headers: { ...camKey, 'content-length': 100 * 1024 }, body: Buffer.alloc(100 * 1024, 32) }),
    after: camManifestUnchanged,
  },
  {
    input: 'PUT cam manifest chunked, 100 KiB (limit 64 KiB)',
    expected: 413,
    message: /exceeds 65536 bytes/,
    run: () => chunkedUpload('/ingest/cam/manifest.mpd', 100 * 1024, 8 * 1024),
    after: camManifestUnchanged,
  },
  {
    input: 'PUT cam segment with Content-Length 5 MiB (limit 4 MiB)',
    expected: 413,
    message: /at most 4194304 are accepted/,
    run: () => request('PUT', `/ingest/cam/${segmentName(90, 'cam1')}`, { headers: { ...camKey, 'content-length': 5 * 1024 * 1024 }, body: Buffer.alloc(5 * 1024 * 1024) }),
    after: () => camSegmentGone(segmentName(90, 'cam1')),
  },
  {
    input: 'PUT cam segment chunked, 5 MiB (limit 4 MiB)',
    expected: 413,
    message: /exceeds 4194304 bytes/,
    run: () => chunkedUpload(`/ingest/cam/${segmentName(91, 'cam1')}`, 5 * 1024 * 1024, 256 * 1024),
    after: () => camSegmentGone(segmentName(91, 'cam1')),
  },

  // Uploads that never end
  {
    input: 'PUT cam segment that stops sending (idle 1 s)',
    expected: 408,
    message: /sent nothing for 1 s/,
    run: async () => {
      const up = upload(`${origin.url}/ingest/cam/${segmentName(92, 'cam1')}`, 'PUT', camKey);
      await up.write(Buffer.alloc(1000));
      const res = await up.response;
      const body = await new Promise<string>((resolve) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('close', () => resolve(text));
      });
      up.breakOff();
      return { status: res.statusCode ?? 0, message: messageOf(body) };
    },
    after: () => camSegmentGone(segmentName(92, 'cam1')),
  },
  {
    input: 'PUT cam segment trickling a byte every 300 ms (limit 3 s)',
    expected: 408,
    message: /took longer than 3 s/,
    run: async () => {
      const up = upload(`${origin.url}/ingest/cam/${segmentName(93, 'cam1')}`, 'PUT', camKey);
      const drip = setInterval(() => void up.write('x'), 300);
      try {
        const res = await up.response;
        const body = await new Promise<string>((resolve) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('close', () => resolve(text));
        });
        return { status: res.statusCode ?? 0, message: messageOf(body) };
      } finally {
        clearInterval(drip);
        up.breakOff();
      }
    },
    after: () => camSegmentGone(segmentName(93, 'cam1')),
  },
  {
    input: 'slowloris: request headers dripped a line every 300 ms (headers timeout 2 s)',
    expected: 408,
    run: async () => {
      const outcome = await raw('GET /time HTTP/1.1\r\nHost: x\r\n', { drip: 'X-Slow: 1\r\n' });
      // Node checks once a second: refused within headersTimeout plus that.
      expect(outcome.closedAfter).toBeLessThan(LIMITS.headersTimeout * 1000 + 1500);
      return outcome;
    },
  },
  {
    input: 'API request whose body never comes (connection timeout 3 s)',
    expected: 'closed',
    run: async () => {
      const outcome = await raw('POST /api/streams HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      expect(outcome.closedAfter).toBeGreaterThan(LIMITS.connectionTimeout * 1000 - 200);
      expect(outcome.closedAfter).toBeLessThan(LIMITS.connectionTimeout * 1000 + 1500);
      return outcome;
    },
  },

  // Requests for segments that do not exist yet
  { input: 'GET demo segment 100 numbers past the live edge', expected: 404, message: /has no/, run: () => request('GET', `/live/demo/${futureSegment(100)}`) },
  {
    input: `GET demo segments about to exist: ${LIMITS.maxHeldRequestsPerClient} held from one client, then one more`,
    expected: 429,
    message: /already has 8 requests waiting/,
    run: async () => {
      const agent = new http.Agent({ keepAlive: false, maxSockets: 100, localAddress: '127.0.0.2' });
      const next = futureSegment(2);
      const held = Array.from({ length: LIMITS.maxHeldRequestsPerClient }, () => request('GET', `/live/demo/${next}`, { localAddress: '127.0.0.2' }));
      await vi.waitFor(() => expect(origin.store.stream('demo')!.stats().heldRequests).toBeGreaterThanOrEqual(LIMITS.maxHeldRequestsPerClient), { timeout: 1000, interval: 10 });
      const outcome = await request('GET', `/live/demo/${next}`, { localAddress: '127.0.0.2' });
      // The held ones are answered as usual when the segment starts (or 404 after the hold).
      for (const answer of await Promise.all(held)) expect([200, 404]).toContain(answer.status);
      agent.destroy();
      return outcome;
    },
  },

  // Byte ranges
  { input: 'GET finished demo segment, Range: bytes=0-99', expected: 206, run: () => request('GET', `/live/demo/${viewer.lastSegment}`, { headers: { range: 'bytes=0-99' } }) },
  { input: 'GET finished demo segment, Range: bytes=999999999-', expected: 416, message: /is outside the segment's/, run: () => request('GET', `/live/demo/${viewer.lastSegment}`, { headers: { range: 'bytes=999999999-' } }) },
  { input: 'GET finished demo segment, Range: bytes=abc (ignored)', expected: 200, run: () => request('GET', `/live/demo/${viewer.lastSegment}`, { headers: { range: 'bytes=abc' } }) },
  { input: 'GET finished demo segment, Range: bytes=0-1,5-6 (multi-range, ignored)', expected: 200, run: () => request('GET', `/live/demo/${viewer.lastSegment}`, { headers: { range: 'bytes=0-1,5-6' } }) },

  // Private stream (signed URLs)
  { input: 'GET private cam manifest without a token', expected: 403, message: /stream cam is private/, run: () => request('GET', '/live/cam/manifest.mpd') },
  { input: 'GET private cam manifest with a valid token', expected: 200, run: () => request('GET', signed('manifest.mpd')) },
  { input: 'GET private cam manifest with a tampered signature', expected: 403, message: /signature does not match/, run: () => request('GET', signed('manifest.mpd').replace(/-([0-9a-f])/, (_, c: string) => `-${c === '0' ? '1' : '0'}`)) },
  { input: 'GET private cam manifest with a later expiry than signed', expected: 403, message: /signature does not match/, run: () => request('GET', signed('manifest.mpd').replace(/\/(\d+)-/, (_, e: string) => `/${Number(e) + 3600}-`)) },
  { input: 'GET private cam manifest with an expired token', expected: 403, message: /expired at/, run: () => request('GET', signed('manifest.mpd', Date.now() / 1000 - 120)) },
  { input: "GET private cam manifest with demo's token", expected: 403, message: /signature does not match stream cam/, run: () => request('GET', `/live/cam/${signPlaybackToken(SECRET, 'demo', Date.now() / 1000 + 60)}/manifest.mpd`) },
  { input: 'GET private cam manifest with a malformed token', expected: 400, message: /is not a playback token/, run: () => request('GET', '/live/cam/12345-xyz/manifest.mpd') },
];

/** Uploads `total` bytes in `piece`-sized chunks with the cam key; the answer, or `closed`. */
async function chunkedUpload(path: string, total: number, piece: number): Promise<Outcome> {
  const up = upload(`${origin.url}${path}`, 'PUT', camKey);
  const answered = up.response.then(
    (res) =>
      new Promise<Outcome>((resolve) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('close', () => resolve({ status: res.statusCode ?? 0, message: messageOf(text) }));
      }),
    () => ({ status: 'closed' as const, message: '' }),
  );
  let sent = 0;
  let done = false;
  void answered.then(() => (done = true));
  while (sent < total && !done) {
    await Promise.race([up.write(Buffer.alloc(piece, 1)), answered]);
    sent += piece;
  }
  const outcome = done ? await answered : await Promise.race([up.end().then(() => answered), answered]);
  up.breakOff();
  return outcome;
}

async function camManifestUnchanged(): Promise<void> {
  const outcome = await request('GET', signed('manifest.mpd'));
  expect(outcome.status).toBe(200);
  expect(outcome.message).toContain('media="seg-cam1-$RepresentationID$-$Number%05d$.m4s"');
}

async function camSegmentGone(name: string): Promise<void> {
  expect(origin.store.stream('cam')?.segment(name)).toBeUndefined();
  expect((await request('GET', signed(name))).status).toBe(404);
}

/** A demo video segment `ahead` numbers past the newest one started. */
function futureSegment(ahead: number): string {
  const stream = origin.store.stream('demo')!;
  const video = stream.manifest('manifest.mpd')!.info.representations.find((r) => r.media !== undefined)!;
  const newest = Number(/(\d+)\.m4s$/.exec(viewer.lastSegment!)![1]);
  return expandTemplate(video.media!, { representationId: video.id, number: newest + ahead })!;
}

describe('hostile input (real origin, test source publishing, a viewer following it)', () => {
  beforeAll(async () => {
    origin = await startOrigin({
      logger: captureLogger('warn').logger,
      openIngest: false,
      rtmp: false,
      testSource: { transcode: ONE_RUNG, supervision: { initialRestartDelay: 200 } },
      streams: [{ name: 'cam', key: CAM_KEY, private: true, source: { type: 'rtmp' } }],
      playbackSigning: { secrets: [SECRET] },
      limits: { ...LIMITS, maxSegmentBytes: MAX_SEGMENT_BYTES },
    });
    expect(await request('PUT', '/ingest/cam/manifest.mpd', { headers: camKey, body: goodCamManifest })).toMatchObject({ status: 204 });
    viewer = new Viewer();
    viewerStartedAt = performance.now();
    void viewer.run();
    await vi.waitFor(() => expect(viewer.completed).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 100 });
  }, 30_000);

  afterAll(async () => {
    viewer?.stop();
    await origin?.close();
  });

  it.each(cases)('$input → $expected', async (hostile) => {
    const outcome = await hostile.run();
    expect(outcome.status).toBe(hostile.expected);
    if (hostile.message !== undefined) expect(outcome.message).toMatch(hostile.message);
    await hostile.after?.();
    // The viewer goes on: its next chunks arrive, nothing it got was cut short, refused or failed.
    const bytes = viewer.bytes;
    await vi.waitFor(() => expect(viewer.bytes).toBeGreaterThan(bytes), { timeout: 4000, interval: 20 });
    expect(viewer.failures).toEqual([]);
    expect((await request('GET', '/healthz')).status).toBe(200);
  });

  it('kept the viewer at the live edge all along: a segment completed per segment duration', () => {
    const seconds = (performance.now() - viewerStartedAt) / 1000;
    // 1 s segments; a segment or two can be lost to a resync when the
    // machine is busy, not a tenth of them.
    expect(viewer.completed).toBeGreaterThanOrEqual(Math.floor(seconds * 0.9) - 2);
    expect(viewer.failures).toEqual([]);
  });
});
