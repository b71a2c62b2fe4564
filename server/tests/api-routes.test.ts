import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/index.js';
import { StreamManager } from '../src/ingest/stream-manager.js';
import { FailureLimiter } from '../src/auth/failure-limiter.js';
import { apiRoutes } from '../src/origin/api-routes.js';
import { SegmentStore } from '../src/store/segment-store.js';
import { captureLogger } from './helpers.js';

describe('apiRoutes', () => {
  const store = new SegmentStore();
  const { transcode, latency } = defaultConfig();
  const streams = new StreamManager({ store, logger: captureLogger().logger, transcode, latency });
  streams.declare([{ name: 'cam', source: { type: 'rtmp' } }]);
  afterAll(async () => {
    await streams.close();
    store.close();
  });

  async function app(token?: string, limiter?: FailureLimiter) {
    const fastify = Fastify();
    await fastify.register(apiRoutes, { streams, access: { token, limiter } });
    return fastify;
  }

  it('lists and gets streams as no-store JSON; 404 names an unknown stream', async () => {
    const fastify = await app();
    const list = await fastify.inject({ method: 'GET', url: '/api/streams' });
    expect(list.statusCode).toBe(200);
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.json().streams.map((s: { name: string }) => s.name)).toEqual(['cam']);
    expect((await fastify.inject({ method: 'GET', url: '/api/streams/cam' })).json()).toMatchObject({ name: 'cam', state: 'offline' });
    expect((await fastify.inject({ method: 'GET', url: '/api/streams/nope' })).json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no stream nope' });
  });

  it('with a token: 401 with a Bearer challenge without one, 403 with another, 200 with it', async () => {
    const fastify = await app('api-s3cret');
    const none = await fastify.inject({ method: 'GET', url: '/api/streams' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="llstream api"');
    const wrong = await fastify.inject({ method: 'DELETE', url: '/api/streams/cam', headers: { authorization: 'Bearer nope' } });
    expect(wrong.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: 'wrong API token' });
    expect(streams.get('cam')).toBeDefined();
    expect((await fastify.inject({ method: 'GET', url: '/api/streams', headers: { authorization: 'Bearer api-s3cret' } })).statusCode).toBe(200);
    // With a token, a request from anywhere that presents it is the operator's.
    expect((await fastify.inject({ method: 'GET', url: '/api/streams', remoteAddress: '192.0.2.9', headers: { authorization: 'Bearer api-s3cret' } })).statusCode).toBe(200);
  });

  it('without a token answers only this host, not a remote client nor one behind a proxy on this host, before reading a body', async () => {
    const fastify = await app();
    const remote = await fastify.inject({ method: 'POST', url: '/api/streams', remoteAddress: '192.0.2.9', payload: { name: 'x', url: 'http://cam/live.ts' } });
    expect(remote.statusCode).toBe(403);
    expect(remote.headers.connection).toBe('close');
    expect(remote.json().message).toMatch(/answers only on this host .* set api.token/);
    const proxied = await fastify.inject({ method: 'DELETE', url: '/api/streams/cam', headers: { 'x-forwarded-for': '198.51.100.4' } });
    expect(proxied.statusCode).toBe(403);
    expect((await fastify.inject({ method: 'GET', url: '/api/streams', remoteAddress: '::ffff:127.0.0.1' })).statusCode).toBe(200);
    expect(streams.get('cam')).toBeDefined();
  });

  it('refuses a client after too many wrong tokens (429 with Retry-After), without comparing', async () => {
    const fastify = await app('api-s3cret', new FailureLimiter({ maxFailures: 3 }));
    const attempt = (token: string, remoteAddress = '192.0.2.9') => fastify.inject({ method: 'GET', url: '/api/streams', remoteAddress, headers: { authorization: `Bearer ${token}` } });
    for (const token of ['a', 'b', 'c']) expect((await attempt(token)).statusCode).toBe(403);
    const limited = await attempt('api-s3cret');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt('api-s3cret', '192.0.2.10')).statusCode).toBe(200);
  });

  it('takes typed pull options only: ffmpeg syntax, other protocols and misplaced options are 400s naming the field', async () => {
    const fastify = await app();
    const post = (payload: object) => fastify.inject({ method: 'POST', url: '/api/streams', payload });
    const write = await post({ name: 'w1', url: 'concat:/some/file.mp4', inputArgs: ['-y', '/tmp/llstream-written.mp4'] });
    expect(write.statusCode).toBe(400);
    expect(write.json().issues).toEqual([{ path: 'inputArgs', message: expect.stringContaining('inputArgs was removed: ffmpeg options are not accepted') }]);
    expect((await post({ name: 'w1', url: 'concat:/some/file.mp4' })).json().issues).toEqual([{ path: 'url', message: expect.stringContaining('scheme concat: is not accepted') }]);
    expect((await post({ name: 'x', url: 'http://cam/live.ts', loop: true })).json()).toMatchObject({ statusCode: 400, message: expect.stringContaining('loop, start and format apply to files') });
    expect((await post({ name: 'x', url: '/media/a.mp4', format: 'rawvideo' })).json()).toMatchObject({ statusCode: 400, message: expect.stringContaining('format: expected one of') });
    expect(streams.list().map((s) => s.name)).toEqual(['cam']);
  });

  it('answers 429 when pull.maxStreams streams are pulled', async () => {
    const limited = new StreamManager({ store, logger: captureLogger().logger, transcode, latency, pull: { maxStreams: 1 } });
    const fastify = Fastify();
    await fastify.register(apiRoutes, { streams: limited });
    const post = (name: string) => fastify.inject({ method: 'POST', url: '/api/streams', payload: { name, url: 'http://127.0.0.1:9/live.ts' } });
    expect((await post('one')).statusCode).toBe(201);
    expect((await post('two')).json()).toMatchObject({ statusCode: 429, message: 'at most 1 pulled streams may run (pull.maxStreams); remove one first' });
    await limited.close();
  });

  it('PUT /api/streams/{name}/keys rotates the keys: hashed, old ones invalid with cutOff, bad bodies and keys named', async () => {
    const fastify = await app();
    const rotate = (payload: unknown, name = 'cam') => fastify.inject({ method: 'PUT', url: `/api/streams/${name}/keys`, payload: payload as object });
    const first = await rotate({ keys: ['first-key-0001'] });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ name: 'cam', keyRequired: true, keyCount: 1 });
    expect(first.body).not.toContain('first-key');
    const ring = streams.publishKeys.streamKeys('cam')!;
    expect(await ring.verify('first-key-0001')).toBe(true);

    expect((await rotate({ keys: ['second-key-002', 'third-key-0003'], cutOff: true })).json()).toMatchObject({ keyCount: 2 });
    expect(await ring.verify('first-key-0001')).toBe(false);
    expect(await ring.verify('third-key-0003')).toBe(true);

    expect((await rotate({ keys: 'x' })).json()).toMatchObject({ statusCode: 400, message: 'keys: expected a list of keys (plain or $scrypt$ hashes)' });
    expect((await rotate({ keys: ['$scrypt$bad'] })).json()).toMatchObject({ statusCode: 422, message: expect.stringContaining('stream cam: key 1: expected a key hash') });
    expect((await rotate({ keys: [] }, 'nope')).statusCode).toBe(404);
    // An empty list: anyone may publish again.
    expect((await rotate({ keys: [] })).json()).toMatchObject({ keyRequired: false, keyCount: 0 });
  });
});
