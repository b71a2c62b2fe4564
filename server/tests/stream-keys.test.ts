import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { hashKeySync, parseKeyHash, toKeyHashes, type KeyHash } from '../src/auth/key-hash.js';
import { FailureLimiter } from '../src/auth/failure-limiter.js';
import { IngestCredentials } from '../src/auth/ingest-credentials.js';
import { checkIngestKey, keysMatch, presentedKey, StreamKeyRing, type PublishKeys } from '../src/auth/stream-keys.js';
import { ingestRoutes } from '../src/origin/ingest-routes.js';
import { SegmentStore } from '../src/store/segment-store.js';
import { liveManifest } from './helpers.js';

const keyedRing = new StreamKeyRing(toKeyHashes('k3y'));
const credentials = new IngestCredentials();
const keyedTranscoder = credentials.issue('keyed');
const keys = (openIngest = false): PublishKeys => ({
  isTranscoder: (stream, presented) => credentials.accepts(stream, presented),
  openIngest,
  streamKeys: (stream) => (stream === 'keyed' ? keyedRing : stream === 'open' ? null : undefined),
});

const hash = (key: string): KeyHash => parseKeyHash(hashKeySync(key)) as KeyHash;

describe('IngestCredentials', () => {
  it('issues 43 base64url characters, new every time, valid for one stream until revoked', () => {
    const issued = new IngestCredentials();
    const a = issued.issue('a');
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.issue('a').token).not.toBe(a.token);
    expect(issued.accepts('a', a.token)).toBe(true);
    expect(issued.accepts('b', a.token)).toBe(false);
    expect(issued.accepts('a', `${a.token}x`)).toBe(false);
    a.revoke();
    expect(issued.accepts('a', a.token)).toBe(false);
    expect(issued.size).toBe(1);
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
  it("accepts a transcoder's credential for its own stream only, and a declared stream its own key", async () => {
    expect(await checkIngestKey(keys(), 'keyed', keyedTranscoder.token)).toBe('ok');
    expect(await checkIngestKey(keys(), 'undeclared', keyedTranscoder.token)).toBe('wrong');
    expect(await checkIngestKey(keys(), 'keyed', 'k3y')).toBe('ok');
  });

  it('refuses a client after too many wrong keys, before checking anything, but never a transcoder', async () => {
    const limiter = new FailureLimiter({ maxFailures: 2, window: 60_000 });
    const attempt = { client: '192.0.2.7', limiter };
    expect(await checkIngestKey(keys(), 'keyed', 'nope-1', attempt)).toBe('wrong');
    expect(await checkIngestKey(keys(), 'keyed', 'nope-2', attempt)).toBe('wrong');
    expect(await checkIngestKey(keys(), 'keyed', 'k3y', attempt)).toBe('limited');
    expect(await checkIngestKey(keys(), 'keyed', keyedTranscoder.token, attempt)).toBe('ok');
    expect(await checkIngestKey(keys(), 'keyed', 'k3y', { client: '192.0.2.8', limiter })).toBe('ok');
  });

  it('refuses a missing key (401) and a wrong one (403), including another stream key for an undeclared stream', async () => {
    expect(await checkIngestKey(keys(), 'keyed', undefined)).toBe('missing');
    expect(await checkIngestKey(keys(), 'keyed', 'nope')).toBe('wrong');
    expect(await checkIngestKey(keys(), 'undeclared', undefined)).toBe('missing');
    expect(await checkIngestKey(keys(), 'undeclared', 'k3y')).toBe('wrong');
  });

  it('lets anyone publish to a stream declared without a key, and to undeclared ones only with open ingest', async () => {
    expect(await checkIngestKey(keys(), 'open', undefined)).toBe('ok');
    expect(await checkIngestKey(keys(true), 'undeclared', undefined)).toBe('ok');
    expect(await checkIngestKey(keys(true), 'keyed', undefined)).toBe('missing');
  });
});

describe('hashKeySync', () => {
  it('writes a PHC scrypt string with a fresh salt that verifies the key and nothing else', async () => {
    const text = hashKeySync('change-me-please');
    expect(text).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hashKeySync('change-me-please')).not.toBe(text);
    const ring = new StreamKeyRing([parseKeyHash(text) as KeyHash]);
    expect(await ring.verify('change-me-please')).toBe(true);
    expect(await ring.verify('change-me-pleasE')).toBe(false);
  });

  it('reads hashes made elsewhere with other costs (passlib-style, ln=10)', async () => {
    const text = hashKeySync('k', { logN: 10, r: 8, p: 1 });
    expect(await new StreamKeyRing(toKeyHashes([text])).verify('k')).toBe(true);
  });

  it('refuses malformed hashes and absurd costs, naming the problem', () => {
    expect(parseKeyHash('$scrypt$nope')).toEqual({ problem: expect.stringContaining('expected a key hash like') });
    expect(parseKeyHash(hashKeySync('k').replace('ln=14', 'ln=30'))).toEqual({ problem: expect.stringContaining('cost out of range') });
    expect(() => toKeyHashes(['ok-key', '$scrypt$ln=14'])).toThrow(/key 2: expected a key hash/);
  });
});

describe('StreamKeyRing', () => {
  it('accepts any key of the list; a rotation makes the new key valid and the old one invalid for new publishers', async () => {
    const ring = new StreamKeyRing([hash('old-key'), hash('new-key')]);
    expect(await ring.verify('old-key')).toBe(true);
    expect(await ring.verify('new-key')).toBe(true);
    ring.replace([hash('newer-key')]);
    expect(await ring.verify('newer-key')).toBe(true);
    // Used within the idle window: still valid for its running publisher...
    expect(await ring.verify('old-key')).toBe(true);
    // ...but not after the publisher paused for longer than retiredKeyIdle.
    expect(await ring.verify('old-key', performance.now() + 10_001)).toBe(false);
  });

  it('drops a key that was not in use at the rotation, and every removed key with cutOff', async () => {
    const ring = new StreamKeyRing([hash('a-key'), hash('b-key')]);
    expect(await ring.verify('a-key')).toBe(true);
    ring.replace([hash('c-key')]);
    expect(await ring.verify('b-key')).toBe(false);
    expect(await ring.verify('a-key')).toBe(true);
    ring.replace([hash('d-key')], { cutOff: true });
    expect(await ring.verify('a-key')).toBe(false);
    expect(await ring.verify('c-key')).toBe(false);
    expect(await ring.verify('d-key')).toBe(true);
  });

  it('checks a key it accepted before with SHA-256, not scrypt again', async () => {
    const ring = new StreamKeyRing([hash('fast-key')]);
    expect(await ring.verify('fast-key')).toBe(true);
    const started = performance.now();
    for (let i = 0; i < 100; i += 1) expect(await ring.verify('fast-key')).toBe(true);
    // 100 scrypt checks at N=2^14 take seconds; remembered ones take microseconds each.
    expect(performance.now() - started).toBeLessThan(500);
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
    await fastify.register(ingestRoutes, { store, auth: { keys: keys() } });
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

  it("stores what comes with the stream key (header or query) or the stream's transcoder credential", async () => {
    const { fastify, store } = await app();
    expect((await fastify.inject({ method: 'PUT', url: '/ingest/keyed/manifest.mpd?key=k3y', payload: liveManifest() })).statusCode).toBe(204);
    const segment = await fastify.inject({ method: 'PUT', url: '/ingest/keyed/seg-1.m4s', payload: 'bytes', headers: { authorization: `Bearer ${keyedTranscoder.token}` } });
    expect(segment.statusCode).toBe(204);
    expect(store.stream('keyed')?.segment('seg-1.m4s')?.byteLength).toBe(5);
    store.close();
  });
});
