import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrigin, expandTemplate, startEdge, type Edge, type Origin, type RepresentationInfo } from '../src/index.js';
import { download, getText, liveManifest, put, segmentName, sleep, upload, type Download } from './helpers.js';

// EDGE_TEST_VIEWERS=200 measures more viewers; 20 keeps the default run short.
const VIEWERS = Number(process.env.EDGE_TEST_VIEWERS ?? 20);

/** A free TCP port on loopback (Varnish cannot report a port it picked itself). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The real thing: the origin with its ffmpeg test source, and Varnish with
// server/edge/llstream.vcl in front of it. Requests the origin receives are
// counted by the origin itself (a hook on its Fastify instance), so "one
// origin request per segment" is the origin's own account.
describe('the Varnish edge in front of the origin (real ffmpeg, real varnishd)', () => {
  let origin: Origin & { url: string };
  let edge: Edge;
  /** path -> requests the origin got from the edge (Varnish sets X-Varnish on its backend requests). */
  const fromEdge = new Map<string, number>();
  const originRequests = (path: string): number => fromEdge.get(path) ?? 0;

  const demo = () => origin.store.stream('demo')!;
  const video = (): RepresentationInfo => demo().manifest('manifest.mpd')!.info.representations[0]!;
  const mediaName = (number: number): string => expandTemplate(video().media!, { representationId: video().id, number })!;
  const newestStarted = (): number => {
    let n = 1;
    while (demo().segment(mediaName(n + 1)) !== undefined) n += 1;
    return n;
  };

  beforeAll(async () => {
    origin = createOrigin({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      openIngest: true,
      testSource: { supervision: { initialRestartDelay: 200 } },
    }) as Origin & { url: string };
    // At the HTTP server, before any route's hook: some answer in their own onRequest hook.
    origin.app.server.prependListener('request', (request: http.IncomingMessage) => {
      if (request.headers['x-varnish'] === undefined) return;
      const path = request.url!.split('?')[0]!;
      fromEdge.set(path, (fromEdge.get(path) ?? 0) + 1);
    });
    await origin.listen();
    edge = await startEdge({ origin: origin.url, port: await freePort() });
    await vi.waitFor(() => expect(origin.store.stream('demo')?.manifest('manifest.mpd')).toBeDefined(), { timeout: 15_000, interval: 100 });
  }, 30_000);
  afterAll(async () => {
    await edge?.stop();
    await origin?.close();
  });

  it(`collapses ${VIEWERS} viewers of a segment being encoded, and ${VIEWERS} of the next one, onto one origin request each, streaming`, async () => {
    // Start right after a segment's upload began, so it is in progress and the next one does not exist yet.
    // (Segment 1 may have started before the manifest made its name known; begin from the newest.)
    const before = newestStarted();
    await vi.waitFor(() => expect(newestStarted()).toBeGreaterThan(before), { timeout: 3000, interval: 5 });
    const current = newestStarted();
    const [inProgress, next] = [mediaName(current), mediaName(current + 1)];
    expect(demo().segment(inProgress)?.state).toBe('uploading');
    expect(demo().segment(next)).toBeUndefined();

    const viewers = (name: string): Download[] => Array.from({ length: VIEWERS }, () => download(`${edge.url}/live/demo/${name}`));
    const ofInProgress = viewers(inProgress);
    const ofNext = viewers(next);
    const all = [...ofInProgress, ...ofNext];
    const responses = await Promise.all(all.map((d) => d.response));
    const results = await Promise.all(all.map((d) => d.done));

    expect(responses.map((r) => r.statusCode)).toEqual(all.map(() => 200));
    expect(results.every((r) => r.complete)).toBe(true);
    // The origin's own count: one request per segment, whatever the number of viewers.
    expect(originRequests(`/live/demo/${inProgress}`)).toBe(1);
    expect(originRequests(`/live/demo/${next}`)).toBe(1);
    // One fetched it, the others were served from that fetch.
    for (const group of [ofInProgress, ofNext]) {
      const cache = await Promise.all(group.map(async (d) => (await d.response).headers['x-cache']));
      expect(cache.filter((c) => c === 'MISS')).toHaveLength(1);
      expect(cache.filter((c) => c === 'HIT')).toHaveLength(VIEWERS - 1);
    }

    for (const [name, group] of [
      [inProgress, ofInProgress],
      [next, ofNext],
    ] as const) {
      // Byte-identical to what the origin holds.
      const original = demo().segment(name)!;
      expect(original.state).toBe('complete');
      const direct = (await download(`${origin.url}/live/demo/${name}`).done).body;
      expect(direct.length).toBe(original.byteLength);
      for (const d of group) expect((await d.done).body.equals(direct)).toBe(true);
      // Streamed: every viewer had bytes well before the origin had the whole segment.
      const completedAt = original.settledAt!;
      for (const d of group) expect(d.chunks[0]!.at).toBeLessThan(completedAt - 300);
      // ... chunk by chunk, not in one piece at the end.
      for (const d of group) expect(d.chunks.length).toBeGreaterThan(5);
    }
    const firstBytesBeforeEnd = ofNext.map((d) => demo().segment(next)!.settledAt! - d.chunks[0]!.at);
    console.log(
      `edge: ${VIEWERS} viewers each of ${inProgress} (in progress) and ${next} (not yet existing): ` +
        `origin requests ${originRequests(`/live/demo/${inProgress}`)} and ${originRequests(`/live/demo/${next}`)}; ` +
        `first bytes of ${next} reached viewers ${Math.round(Math.min(...firstBytesBeforeEnd))}-${Math.round(Math.max(...firstBytesBeforeEnd))} ms before its upload ended`,
    );
  });

  it('serves a finished segment from cache with Content-Length, long after (no second origin request)', async () => {
    const name = mediaName(newestStarted() - 1);
    const first = await getText(`${edge.url}/live/demo/${name}`);
    await sleep(1200);
    const again = await getText(`${edge.url}/live/demo/${name}`);
    expect(first.status).toBe(200);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.headers['content-length']).toBe(String(demo().segment(name)!.byteLength));
    expect(again.headers['access-control-allow-origin']).toBe('*');
    expect(again.headers['surrogate-control']).toBeUndefined();
    expect(originRequests(`/live/demo/${name}`)).toBe(1);
  });

  it('keeps the manifest as long as the origin says and never serves it older', async () => {
    const path = '/live/demo/manifest.mpd';
    const startCount = originRequests(path);
    const first = await getText(`${edge.url}${path}`);
    const maxAge = Number(/max-age=(\d+)/.exec(first.headers['cache-control'] ?? '')?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(1);
    expect(first.headers['access-control-allow-origin']).toBe('*');
    // UTCTiming points at the edge the player reached, not at the origin.
    expect(first.body).toContain(`${edge.url}/time`);
    const ages: number[] = [Number(first.headers.age)];
    const deadline = performance.now() + maxAge * 1000 * 2 + 500;
    while (performance.now() < deadline) {
      const got = await getText(`${edge.url}${path}`);
      expect(got.status).toBe(200);
      ages.push(Number(got.headers.age));
      await sleep(100);
    }
    // Fetched again after each max-age, in line (no grace): never older than max-age.
    expect(Math.max(...ages)).toBeLessThanOrEqual(maxAge);
    expect(originRequests(path) - startCount).toBeGreaterThanOrEqual(2);
    expect(originRequests(path) - startCount).toBeLessThanOrEqual(4);
  });

  it('refuses /ingest, saying where publishers go, and never forwards it', async () => {
    const refused = upload(`${edge.url}/ingest/demo/${segmentName(1)}`);
    await refused.write('not a segment');
    const status = await refused.end();
    expect(status).toBe(403);
    const body = await getText(`${edge.url}/ingest/demo/manifest.mpd`);
    expect(body.status).toBe(403);
    expect(JSON.parse(body.body)).toMatchObject({ statusCode: 403, message: expect.stringContaining("publish to the origin's /ingest") });
    expect([...fromEdge.keys()].filter((path) => path.startsWith('/ingest'))).toEqual([]);
  });

  it('passes /api, /time and /metrics to the origin uncached (the stream API refuses what came through a proxy without api.token)', async () => {
    for (const [path, status] of [['/api/streams', 403], ['/time', 200], ['/metrics', 200]] as const) {
      const before = originRequests(path);
      const answers = [await getText(`${edge.url}${path}`), await getText(`${edge.url}${path}`)];
      expect(answers.map((a) => a.status), path).toEqual([status, status]);
      expect(answers.map((a) => a.headers['x-cache']), path).toEqual(['PASS', 'PASS']);
      expect(originRequests(path) - before, path).toBe(2);
    }
  });

  describe('with a publisher the test controls', () => {
    // Stream `s`: uploads pushed by the test, so aborts and gaps happen on cue.
    const live = (name: string): string => `${edge.url}/live/s/${name}`;

    beforeAll(async () => {
      expect(await put(`${origin.url}/ingest/s/manifest.mpd`, liveManifest())).toBe(204);
    });

    it('does not keep a segment whose upload broke off: the next viewer is sent to the origin again', async () => {
      const up = upload(`${origin.url}/ingest/s/${segmentName(1)}`);
      await up.write('first chunk|');
      const viewer = download(live(segmentName(1)));
      expect((await viewer.response).statusCode).toBe(200);
      await vi.waitFor(() => expect(viewer.chunks.length).toBeGreaterThan(0));
      up.breakOff();
      const cut = await viewer.done;
      expect(cut.complete).toBe(false);
      expect(cut.body.toString()).toBe('first chunk|');

      await vi.waitFor(() => expect(origin.store.stream('s')?.segment(segmentName(1))?.state).toBe('aborted'));
      const later = download(live(segmentName(1)));
      const { statusCode } = await later.response;
      const { complete } = await later.done;
      // The origin sends an aborted segment's bytes and closes: Varnish streams them cut
      // short again, or (1 run in 4 here, when the close beats its read of the headers)
      // answers 503. Either way no viewer gets it as a complete segment.
      expect(statusCode === 503 || (statusCode === 200 && !complete)).toBe(true);
      expect(originRequests(`/live/s/${segmentName(1)}`)).toBe(2);
    });

    it('collapses requests for a segment that is not coming onto one 404, and fetches it once it exists', async () => {
      await put(`${origin.url}/ingest/s/${segmentName(2)}`, 'two');
      const far = segmentName(9);
      const asked = await Promise.all(Array.from({ length: VIEWERS }, () => getText(live(far))));
      expect(asked.map((a) => a.status)).toEqual(asked.map(() => 404));
      expect(originRequests(`/live/s/${far}`)).toBe(1);

      for (let n = 3; n <= 9; n++) await put(`${origin.url}/ingest/s/${segmentName(n)}`, `segment ${n}`);
      await sleep(300);
      const now = await getText(live(far));
      expect(now.status).toBe(200);
      expect(now.body).toBe('segment 9');
      expect(originRequests(`/live/s/${far}`)).toBe(2);
    });
  });
});
