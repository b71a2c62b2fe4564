import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/index.js';
import { StreamManager } from '../src/ingest/stream-manager.js';
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

  async function app(token?: string) {
    const fastify = Fastify();
    await fastify.register(apiRoutes, { streams, token });
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
