import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { checkIngestKey, createInternalToken, keysMatch, presentedKey, type PublishKeys } from '../src/auth/stream-keys.js';
import { ingestRoutes } from '../src/origin/ingest-routes.js';
import { SegmentStore } from '../src/store/segment-store.js';
import { liveManifest } from './helpers.js';

const keys = (openIngest = false): PublishKeys => ({
  internalToken: 'internal-token',
  openIngest,
  streamKey: (stream) => ({ keyed: 'k3y', open: null })[stream],
});

describe('createInternalToken', () => {
  it('is 43 base64url characters, new every time', () => {
    const token = createInternalToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createInternalToken()).not.toBe(token);
  });
});

describe('keysMatch', () => {
  it('compares whole keys', () => {
    expect(keysMatch('secret', 'secret')).toBe(true);
    expect(keysMatch('secret', 'secre')).toBe(false);
    expect(keysMatch('', 'secret')).toBe(false);
  });
});

describe('checkIngestKey', () => {
  it('accepts the internal token for any stream, and a declared stream its own key', () => {
    expect(checkIngestKey(keys(), 'keyed', 'internal-token')).toBe('ok');
    expect(checkIngestKey(keys(), 'undeclared', 'internal-token')).toBe('ok');
    expect(checkIngestKey(keys(), 'keyed', 'k3y')).toBe('ok');
  });

  it('refuses a missing key (401) and a wrong one (403), including another stream key for an undeclared stream', () => {
    expect(checkIngestKey(keys(), 'keyed', undefined)).toBe('missing');
    expect(checkIngestKey(keys(), 'keyed', 'nope')).toBe('wrong');
    expect(checkIngestKey(keys(), 'undeclared', undefined)).toBe('missing');
    expect(checkIngestKey(keys(), 'undeclared', 'k3y')).toBe('wrong');
  });

  it('lets anyone publish to a stream declared without a key, and to undeclared ones only with open ingest', () => {
    expect(checkIngestKey(keys(), 'open', undefined)).toBe('ok');
    expect(checkIngestKey(keys(true), 'undeclared', undefined)).toBe('ok');
    expect(checkIngestKey(keys(true), 'keyed', undefined)).toBe('missing');
  });
});

describe('presentedKey', () => {
  it('reads a Bearer header first, then ?key=', () => {
    expect(presentedKey({ authorization: 'Bearer abc' }, { key: 'def' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer   abc ' }, {})).toBe('abc');
    expect(presentedKey({}, { key: 'def' })).toBe('def');
    expect(presentedKey({ authorization: 'Basic Zm9vOmJhcg==' }, {})).toBeUndefined();
    expect(presentedKey({}, { key: '' })).toBeUndefined();
  });
});

describe('ingestRoutes with publish keys', () => {
  async function app() {
    const store = new SegmentStore();
    const fastify = Fastify();
    await fastify.register(ingestRoutes, { store, keys: keys() });
    return { fastify, store };
  }

  it('answers 401 with a JSON error and a Bearer challenge when the key is missing, storing nothing', async () => {
    const { fastify, store } = await app();
    const response = await fastify.inject({ method: 'PUT', url: '/ingest/keyed/seg-1.m4s', payload: 'bytes' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="llstream ingest"');
    expect(response.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining('stream keyed needs its stream key') });
    expect(store.stream('keyed')).toBeUndefined();
    store.close();
  });

  it('answers 403 for a wrong key, for manifests, segments and deletes alike', async () => {
    const { fastify, store } = await app();
    for (const request of [
      { method: 'PUT' as const, url: '/ingest/keyed/manifest.mpd?key=wrong', payload: liveManifest() },
      { method: 'POST' as const, url: '/ingest/keyed/seg-1.m4s', payload: 'x', headers: { authorization: 'Bearer wrong' } },
      { method: 'DELETE' as const, url: '/ingest/keyed/seg-1.m4s?key=wrong' },
    ]) {
      const response = await fastify.inject(request);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: 'wrong stream key for stream keyed' });
    }
    expect(store.stream('keyed')).toBeUndefined();
    store.close();
  });

  it('stores what comes with the stream key (header or query) or the internal token', async () => {
    const { fastify, store } = await app();
    expect((await fastify.inject({ method: 'PUT', url: '/ingest/keyed/manifest.mpd?key=k3y', payload: liveManifest() })).statusCode).toBe(204);
    const segment = await fastify.inject({ method: 'PUT', url: '/ingest/keyed/seg-1.m4s', payload: 'bytes', headers: { authorization: 'Bearer internal-token' } });
    expect(segment.statusCode).toBe(204);
    expect(store.stream('keyed')?.segment('seg-1.m4s')?.byteLength).toBe(5);
    store.close();
  });
});
