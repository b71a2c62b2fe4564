import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type Edge } from '../src/edge/start-edge.js';
import { createOrigin, signedPlaybackPath, signPlaybackToken, type Origin } from '../src/index.js';
import { getText, liveManifest, put, segmentName } from './helpers.js';

// server/edge/signed-urls.vcl, included before the shipped llstream.vcl, in
// a real varnishd (startEdge) in front of a real origin
// that has a private stream: the edge refuses what the origin would refuse,
// and caches one object per file for every valid token.

const SECRET = 'current-signing-secret-0123456789abcdef';
const PREVIOUS = 'previous-signing-secret-0123456789abcdef';
const KEY = 'cam-key-0123456789';

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('signed-urls.vcl with llstream.vcl in varnishd', () => {
  let origin: Origin & { url: string };
  let edge: Edge;
  let secretDir: string;
  /** Playback requests that reached the origin. */
  const originRequests: string[] = [];
  const now = (): number => Date.now() / 1000;

  beforeAll(async () => {
    origin = createOrigin({
      port: 0,
      host: '127.0.0.1',
      testSource: false,
      logLevel: 'silent',
      rtmp: false,
      streams: [{ name: 'cam', key: KEY, private: true, source: { type: 'rtmp' } }],
      playbackSigning: { secrets: [SECRET, PREVIOUS] },
    }) as Origin & { url: string };
    await origin.listen();
    // Every request the HTTP server takes, before any route or hook answers it.
    origin.app.server.on('request', (request: { url?: string }) => {
      if (request.url?.startsWith('/live/') === true) originRequests.push(request.url);
    });
    const auth = { authorization: `Bearer ${KEY}` };
    expect(await put(`${origin.url}/ingest/cam/manifest.mpd`, liveManifest({ tag: 'cam1' }), 'PUT', auth)).toBe(204);
    expect(await put(`${origin.url}/ingest/cam/${segmentName(1, 'cam1')}`, Buffer.alloc(50_000, 7), 'PUT', auth)).toBe(204);

    secretDir = await mkdtemp(join(tmpdir(), 'sec-varnish-secret-'));
    // varnishd compiles the VCL as its unprivileged user when run as root.
    await chmod(secretDir, 0o755);
    const secretFile = join(secretDir, 'signing-secret.vcl');
    await writeFile(
      secretFile,
      `vcl 4.1;\nimport var;\nsub vcl_init {\n    var.global_set("llstream_signing_secret", "${SECRET}");\n    var.global_set("llstream_signing_secret_previous", "${PREVIOUS}");\n}\n`,
      { mode: 0o644 },
    );
    // The shipped edge: llstream.vcl, with the signed URL check included before it.
    edge = await startEdge({ origin: origin.url, port: await freePort(), include: [secretFile, 'signed-urls.vcl'], storage: 'malloc,32m' });
  }, 30_000);

  afterAll(async () => {
    await edge?.stop();
    await origin?.close();
    if (secretDir !== undefined) await rm(secretDir, { recursive: true, force: true });
  });

  it('serves a valid token, and the next viewer with another valid token from the same cache object', async () => {
    const first = await getText(`${edge.url}${signedPlaybackPath(SECRET, 'cam', 'manifest.mpd', now() + 60)}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain('seg-cam1-$RepresentationID$');
    expect(originRequests).toHaveLength(1);
    // The origin was asked with the viewer's token (it checks it again).
    expect(originRequests[0]).toMatch(/^\/live\/cam\/\d+-[0-9a-f]{64}\/manifest\.mpd$/);

    const second = await getText(`${edge.url}${signedPlaybackPath(SECRET, 'cam', 'manifest.mpd', now() + 3600)}`);
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(originRequests).toHaveLength(1);

    const segment = signedPlaybackPath(SECRET, 'cam', segmentName(1, 'cam1'), now() + 60);
    const bytes = await getText(`${edge.url}${segment}`);
    expect(bytes.status).toBe(200);
    expect(bytes.body.length).toBe(50_000);
  });

  it('takes a token signed with the previous secret during a rotation, and one expired less than the 30 s clock skew ago', async () => {
    expect((await getText(`${edge.url}${signedPlaybackPath(PREVIOUS, 'cam', 'manifest.mpd', now() + 60)}`)).status).toBe(200);
    expect((await getText(`${edge.url}${signedPlaybackPath(SECRET, 'cam', 'manifest.mpd', now() - 10)}`)).status).toBe(200);
  });

  it('refuses tampered, expired, foreign and malformed tokens itself, naming the problem; the origin never sees them', async () => {
    const before = originRequests.length;
    const valid = signedPlaybackPath(SECRET, 'cam', 'manifest.mpd', now() + 60);
    const refusals: Array<[string, number, RegExp]> = [
      [valid.replace(/-([0-9a-f])/, (_, c: string) => `-${c === '0' ? '1' : '0'}`), 403, /signature does not match stream cam/],
      [valid.replace(/\/(\d+)-/, (_, e: string) => `/${Number(e) + 86_400}-`), 403, /signature does not match stream cam/],
      [signedPlaybackPath(SECRET, 'cam', 'manifest.mpd', now() - 120), 403, /playback token expired/],
      [`/live/cam/${signPlaybackToken(SECRET, 'other', now() + 60)}/manifest.mpd`, 403, /signature does not match stream cam/],
      [signedPlaybackPath('not-the-secret-0123456789abcdefghijkl', 'cam', 'manifest.mpd', now() + 60), 403, /signature does not match/],
      ['/live/cam/12345-nothex/manifest.mpd', 400, /malformed playback token/],
    ];
    for (const [path, status, reason] of refusals) {
      const answer = await getText(`${edge.url}${path}`);
      expect(answer.status, path).toBe(status);
      expect(answer.body, path).toMatch(reason);
    }
    expect(originRequests.length).toBe(before);
  });

  it('does not serve the cached object to a request without a token: the origin refuses it (private stream)', async () => {
    expect((await getText(`${edge.url}${signedPlaybackPath(SECRET, 'cam', 'manifest.mpd', now() + 60)}`)).status).toBe(200);
    const before = originRequests.length;
    const missing = await getText(`${edge.url}/live/cam/manifest.mpd`);
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.body)).toMatchObject({ message: expect.stringContaining('stream cam is private') });
    expect(originRequests.slice(before)).toEqual(['/live/cam/manifest.mpd']);
    // A client cannot pick the URL the origin is asked for.
    const smuggled = await getText(`${edge.url}/live/cam/manifest.mpd`, { 'x-llstream-signed-url': signedPlaybackPath(SECRET, 'cam', 'manifest.mpd', now() + 60) });
    expect(smuggled.status).toBe(403);
  });
});
