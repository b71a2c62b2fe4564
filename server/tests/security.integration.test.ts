import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Origin } from '../src/index.js';
import { captureLogger, getText, startOrigin } from './helpers.js';
import { apiStream, freeUdpPort, ONE_RUNG, publish, type Publisher } from './ingest-helpers.js';

// The attacks of the security review (issue 13), each against a real
// origin with real ffmpeg: what used to get through, and what it gets now.

const PASSPHRASE = 'srt-passphrase-0123456789';
const URL_PASSWORD = 'pull-password-9876543210';
const CAM_KEY = 'cam-key-0123456789abcdef';

/** The command lines of this process's children, by pid. */
async function childCommandLines(): Promise<Map<number, string>> {
  const lines = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      lines.set(Number(entry), (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' '));
    } catch {
      // Gone meanwhile.
    }
  }
  return lines;
}

/** `request` with full control: method, body, headers; the status and parsed JSON body. */
async function call(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const response = await fetch(url, { method: init.method ?? 'GET', body: init.body, headers: init.headers });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

describe('the origin against the security review (real origin, real ffmpeg)', () => {
  let origin: Origin & { url: string };
  let records: Array<Record<string, unknown>>;
  let directory: string;
  let srtPort: number;
  let camera: http.Server;
  let cameraUrl: string;
  const cameraFeeds = new Set<ChildProcess>();
  const publishers: Publisher[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-security-'));
    srtPort = await freeUdpPort();
    // A camera that wants HTTP basic auth and sends live MPEG-TS for as long as it is read.
    camera = http.createServer((request, response) => {
      const expected = `Basic ${Buffer.from(`viewer:${URL_PASSWORD}`).toString('base64')}`;
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="camera"' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'video/mp2t' });
      const feed = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'mpegts', 'pipe:1'], { stdio: ['ignore', 'pipe', 'ignore'] });
      cameraFeeds.add(feed);
      feed.stdout.pipe(response);
      const stop = (): void => {
        feed.kill('SIGKILL');
        cameraFeeds.delete(feed);
      };
      response.on('close', stop);
    });
    await new Promise<void>((resolve) => camera.listen(0, '127.0.0.1', resolve));
    cameraUrl = `http://viewer:${URL_PASSWORD}@127.0.0.1:${(camera.address() as net.AddressInfo).port}/live.ts`;
    const captured = captureLogger('info');
    records = captured.records;
    origin = await startOrigin({
      logger: captured.logger,
      host: '127.0.0.1',
      openIngest: false,
      transcode: ONE_RUNG,
      testSource: { transcode: ONE_RUNG, supervision: { initialRestartDelay: 200 } },
      rtmp: { port: 0 },
      supervision: { initialRestartDelay: 200, stopTimeout: 2000 },
      pull: { mediaDirectories: [directory], maxStreams: 3, maxConcurrentProbes: 1 },
      streams: [
        { name: 'field', key: PASSPHRASE, source: { type: 'srt', port: srtPort } },
        { name: 'cam', key: CAM_KEY, source: { type: 'rtmp' } },
        { name: 'camera', source: { type: 'pull', url: cameraUrl } },
      ],
      limits: { maxKeyFailuresPerMinute: 3, requestBodyTimeout: 1.5, maxConnectionsPerClient: 12, transcoderStallTimeout: 1 },
    });
  }, 30_000);

  afterAll(async () => {
    await Promise.all(publishers.map((publisher) => publisher.stop()));
    await origin?.close();
    camera?.close();
    for (const feed of cameraFeeds) feed.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses the API file write: no ffmpeg syntax, no concat:, and the file is never written', async () => {
    const target = join(directory, 'written.mp4');
    const post = (body: object) => call(`${origin.url}/api/streams`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const withArgs = await post({ name: 'w1', url: 'concat:/some/file.mp4', inputArgs: ['-y', target] });
    expect(withArgs.status).toBe(400);
    expect(withArgs.json.message).toMatch(/inputArgs was removed/);
    const concat = await post({ name: 'w1', url: `concat:${join(directory, 'a.mp4')}|${join(directory, 'b.mp4')}` });
    expect(concat.status).toBe(400);
    expect(concat.json.message).toMatch(/scheme concat: is not accepted/);
    await expect(access(target)).rejects.toThrow();
    expect((await call(`${origin.url}/api/streams/w1`)).status).toBe(404);
  });

  it('refuses the API file read: /etc/passwd is outside the media directories, with the answer a missing file gets', async () => {
    const post = (body: object) => call(`${origin.url}/api/streams`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const read = await post({ name: 'x', url: '/etc/passwd', loop: true, format: 'mpegts' });
    const missing = await post({ name: 'x', url: '/etc/no-such-file', loop: true, format: 'mpegts' });
    const unreadable = await post({ name: 'x', url: '/etc/shadow', loop: true, format: 'mpegts' });
    for (const answer of [read, missing, unreadable]) expect(answer.status).toBe(422);
    expect(new Set([read, missing, unreadable].map((answer) => answer.json.message.replace(/file \S+ /, 'file X ')))).toEqual(
      new Set(['stream x: file X is not a readable file in the media directories (pull.mediaDirectories)']),
    );
    expect((await call(`${origin.url}/live/x/manifest.mpd`)).status).toBe(404);
  });

  it('keeps every secret out of every child command line: ingest credentials, SRT passphrases, URL passwords', async () => {
    const caller = publish(`srt://127.0.0.1:${srtPort}?passphrase=${PASSPHRASE}&pbkeylen=16`, 'mpegts', 30);
    publishers.push(caller);
    await vi.waitFor(
      async () => {
        for (const name of ['demo', 'field', 'camera']) expect((await apiStream(origin, name)).state, name).toBe('live');
      },
      { timeout: 20_000, interval: 200 },
    );
    const lines = await childCommandLines();
    // The origin's ffmpegs: two transcoders per publish, the SRT listener, the camera's puller (not the test's own publishers and camera).
    const ours = [...lines].filter(([pid]) => pid !== caller.child.pid && ![...cameraFeeds].some((feed) => feed.pid === pid));
    expect(ours.length).toBeGreaterThanOrEqual(4);
    for (const [pid, line] of ours) {
      for (const secret of [PASSPHRASE, URL_PASSWORD, 'Authorization', 'Bearer', 'http_opts', 'passphrase', 'token=']) {
        expect(line, `pid ${pid}: ${line.slice(0, 200)}`).not.toContain(secret);
      }
    }
  });

  it('binds the RTMP and SRT listeners to server.host, not every interface', async () => {
    const rtmpPort = origin.streams.rtmpPort!;
    const tcp = await readFile('/proc/net/tcp', 'utf8');
    const udp = await readFile('/proc/net/udp', 'utf8');
    const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
    const listening = (table: string, port: number): string[] =>
      table
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[1])
        .filter((local): local is string => local !== undefined && local.endsWith(`:${hexPort(port)}`));
    expect(listening(tcp, rtmpPort)).toEqual(['0100007F:' + hexPort(rtmpPort)]);
    expect(listening(udp, srtPort)).toEqual(['0100007F:' + hexPort(srtPort)]);
  });

  it('tells /healthz details only to this host, not to a request that came through a proxy', async () => {
    const local = await call(`${origin.url}/healthz`);
    expect(local.json).toMatchObject({ status: 'ok', streams: expect.any(Array), memory: expect.any(Object) });
    const proxied = await call(`${origin.url}/healthz`, { headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(proxied.status).toBe(200);
    expect(proxied.json).toEqual({ status: 'ok' });
    expect((await call(`${origin.url}/api/streams`, { headers: { via: '1.1 cdn' } })).status).toBe(403);
  });

  it('answers errors without naming the framework', async () => {
    const answer = await call(`${origin.url}/api/streams`, { method: 'POST', body: '<stream/>', headers: { 'content-type': 'application/xml' } });
    expect(answer.status).toBe(415);
    expect(answer.json).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    expect(answer.text).not.toMatch(/fastify|FST_/i);
  });

  it('answers a trickled API body 408 at the body deadline, however often bytes come', async () => {
    const { port } = new URL(origin.url);
    const outcome = await new Promise<{ status: string | undefined; after: number }>((resolve) => {
      const started = performance.now();
      const socket = net.connect(Number(port), '127.0.0.1');
      let text = '';
      const drip = setInterval(() => socket.write('x'), 300);
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        resolve({ status: /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1], after: performance.now() - started });
      });
      socket.write('POST /api/streams HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    });
    expect(outcome.status).toBe('408');
    expect(outcome.after).toBeGreaterThan(1400);
    expect(outcome.after).toBeLessThan(3000);
  });

  it('caps the connections of one client address: the one over gets 429 and is closed, other addresses go on', async () => {
    const { port } = new URL(origin.url);
    const open = async (localAddress: string): Promise<net.Socket> => {
      const socket = net.connect({ port: Number(port), host: '127.0.0.1', localAddress });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    };
    const held = await Promise.all(Array.from({ length: 12 }, () => open('127.0.0.3')));
    const over = await open('127.0.0.3');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      over.on('data', (chunk: Buffer) => (text += chunk.toString()));
      over.on('close', () => resolve(text));
      over.write('GET /time HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 429 /);
    expect((await getText(`${origin.url}/time`)).status).toBe(200);
    for (const socket of held) socket.destroy();
  });

  it('refuses a client after too many wrong keys (429, Retry-After, nothing checked), while the test source publishes from the same address', async () => {
    const wrong = (key: string) => call(`${origin.url}/ingest/cam/manifest.mpd`, { method: 'PUT', body: 'x', headers: { authorization: `Bearer ${key}` } });
    for (const key of ['guess-1', 'guess-2', 'guess-3']) expect((await wrong(key)).status).toBe(403);
    const limited = await wrong(CAM_KEY);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // RTMP from the same address is refused unchecked too.
    const rtmp = publish(`rtmp://127.0.0.1:${origin.streams.rtmpPort}/live/cam/${CAM_KEY}`, 'flv', 3);
    publishers.push(rtmp);
    expect(await rtmp.exited).not.toBe(0);
    expect(records.some((r) => r.msg === 'RTMP publish refused' && String(r.reason).includes('too many wrong'))).toBe(true);
    // The origin's own transcoder uploads from loopback with its credential all along.
    const bytes = origin.store.stream('demo')!.bytes;
    await vi.waitFor(() => expect(origin.store.stream('demo')!.bytes).not.toBe(bytes), { timeout: 3000, interval: 50 });
    expect((await apiStream(origin, 'demo')).state).toBe('live');
  });

  it('bounds pulled streams: at most maxStreams, and one probe at a time', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/never.ts`;
    const post = (name: string) => call(`${origin.url}/api/streams`, { method: 'POST', body: JSON.stringify({ name, url }), headers: { 'content-type': 'application/json' } });
    try {
      expect((await post('p1')).status).toBe(201);
      expect((await post('p2')).status).toBe(201);
      expect((await post('p3')).json).toMatchObject({ statusCode: 429, message: expect.stringContaining('at most 3 pulled streams') });
      const probes = async () => [...(await childCommandLines()).values()].filter((line) => line.startsWith('ffprobe') && line.includes('never.ts')).length;
      await vi.waitFor(async () => expect(await probes()).toBe(1), { timeout: 3000, interval: 50 });
      for (let i = 0; i < 10; i += 1) expect(await probes()).toBeLessThanOrEqual(1);
    } finally {
      await call(`${origin.url}/api/streams/p1`, { method: 'DELETE' });
      await call(`${origin.url}/api/streams/p2`, { method: 'DELETE' });
      silent.close();
    }
  });

  it('restarts a live transcoder that delivers nothing, and says so, instead of reporting live while segments 404', async () => {
    const before = await apiStream(origin, 'demo');
    expect(before.state).toBe('live');
    const pid = before.transcoder.pid as number;
    // A hung encoder: the process is there and delivers nothing.
    process.kill(pid, 'SIGSTOP');
    await vi.waitFor(async () => expect(await apiStream(origin, 'demo')).toMatchObject({ state: 'starting', reason: expect.stringContaining('delivered nothing for 4 s') }), {
      timeout: 8000,
      interval: 100,
    });
    expect(records.some((r) => r.msg === 'transcoder delivered nothing; restarting it' && r.stream === 'demo')).toBe(true);
    await vi.waitFor(async () => expect((await apiStream(origin, 'demo')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    expect((await apiStream(origin, 'demo')).transcoder.pid).not.toBe(pid);
  });
});

describe('the origin with an API token against the security review', () => {
  let origin: Origin & { url: string };
  const TOKEN = 'api-token-0123456789abcdef';

  beforeAll(async () => {
    origin = await startOrigin({ logger: captureLogger('silent').logger, host: '127.0.0.1', testSource: false, rtmp: false, apiToken: TOKEN, limits: { maxKeyFailuresPerMinute: 2 } });
  });
  afterAll(() => origin?.close());

  it('says only healthy to /healthz without the token, everything with it', async () => {
    expect((await call(`${origin.url}/healthz`)).json).toEqual({ status: 'ok' });
    expect((await call(`${origin.url}/healthz`, { headers: { authorization: 'Bearer wrong-token-000000' } })).json).toEqual({ status: 'ok' });
    expect((await call(`${origin.url}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } })).json).toMatchObject({ status: 'ok', uptime: expect.any(Number), streams: [] });
  });

  it('answers an API request without the token 401 before reading its body', async () => {
    const { port } = new URL(origin.url);
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
      // A body announced and never sent: the refusal must not wait for it.
      socket.write('POST /api/streams HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
  });

  it('limits wrong tokens per address (the wrong one at /healthz counted too)', async () => {
    const wrong = await call(`${origin.url}/api/streams`, { headers: { authorization: 'Bearer another-wrong-token0' } });
    expect(wrong.status).toBe(403);
    const limited = await call(`${origin.url}/api/streams`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(limited.status).toBe(429);
  });
});
