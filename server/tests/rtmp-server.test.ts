import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import RtmpClient from 'node-media-server/src/protocol/rtmp_client.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRtmpPath, RTMP_PUBLISH_REFUSED, RtmpIngest, type PublishDecision, type RtmpLimits, type RtmpPublisher } from '../src/ingest/rtmp-server.js';
import { captureLogger, sleep } from './helpers.js';

describe('parseRtmpPath', () => {
  it('reads the stream key from a ?key= query (OBS: Server rtmp://HOST/live, Stream Key mystream?key=KEY)', () => {
    expect(parseRtmpPath({ app: 'live', name: 'mystream', query: { key: 'KEY' } })).toEqual({ stream: 'mystream', key: 'KEY' });
  });

  it('reads the key as the last path element, whether in the stream name or in the app (OBS: Server rtmp://HOST/live/mystream, Stream Key KEY)', () => {
    expect(parseRtmpPath({ app: 'live', name: 'mystream/KEY', query: {} })).toEqual({ stream: 'mystream', key: 'KEY' });
    expect(parseRtmpPath({ app: 'live/mystream', name: 'KEY', query: {} })).toEqual({ stream: 'mystream', key: 'KEY' });
    expect(parseRtmpPath({ app: 'live/', name: '/mystream/KEY', query: {} })).toMatchObject({ stream: 'mystream', key: 'KEY' });
  });

  it('takes a stream without a key', () => {
    expect(parseRtmpPath({ app: 'live', name: 'mystream', query: {} })).toEqual({ stream: 'mystream', key: undefined });
    expect(parseRtmpPath({ app: 'live?key=KEY', name: 'mystream', query: {} })).toMatchObject({ key: 'KEY' });
  });

  it('names the problem with any other path', () => {
    expect(parseRtmpPath({ app: 'app', name: 'mystream', query: {} })).toEqual({ problem: 'RTMP path must start with /live/ (app "app", name "mystream")' });
    expect(parseRtmpPath({ app: 'live', name: '', query: {} })).toMatchObject({ problem: expect.stringContaining('/live/{stream} or /live/{stream}/{key}') });
    expect(parseRtmpPath({ app: 'live', name: 'a/b/c', query: {} })).toMatchObject({ problem: expect.stringContaining('/live/{stream} or /live/{stream}/{key}') });
    expect(parseRtmpPath({ app: 'live', name: 'bad.name', query: {} })).toEqual({ problem: 'stream name "bad.name" must be 1 to 64 characters of A-Z a-z 0-9 _ -' });
  });
});

/** C0, C1 and C2 of a client handshake (the server does not check C2). */
const HANDSHAKE = (): Buffer => Buffer.concat([Buffer.from([3]), randomBytes(1536), randomBytes(1536)]);

/** A fmt 0 chunk header on chunk stream `cid` (2 to 319) announcing a message of `length` bytes. */
function chunkHeader(cid: number, length: number, type: number, timestamp = 0): Buffer {
  const basic = cid < 64 ? Buffer.from([cid]) : Buffer.from([0, cid - 64]);
  const header = Buffer.alloc(11);
  header.writeUIntBE(timestamp, 0, 3);
  header.writeUIntBE(length, 3, 3);
  header[6] = type;
  header.writeUInt32LE(1, 7);
  return Buffer.concat([basic, header]);
}

interface RawClient {
  socket: net.Socket;
  /** Resolves with the time from connecting to the close, ms. */
  closed: Promise<number>;
  isClosed(): boolean;
}

async function rawClient(port: number, localAddress?: string): Promise<RawClient> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  // Read what the origin sends (its handshake), or 'close' would wait for it.
  socket.resume();
  const start = performance.now();
  let isClosed = false;
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => {
      isClosed = true;
      resolve(performance.now() - start);
    }),
  );
  await once(socket, 'connect');
  return { socket, closed, isClosed: () => isClosed };
}

interface Client {
  client: RtmpClient;
  statuses: Array<{ code: string; description: string | undefined }>;
  closed: Promise<void>;
}

/** node-media-server's RTMP client, connected (handshake, connect, createStream). */
async function rtmpClient(port: number): Promise<Client> {
  const client = new RtmpClient();
  const statuses: Client['statuses'] = [];
  client.onStatusCallback = (code, info) => statuses.push({ code, description: info.description });
  client.onErrorCallback = () => undefined;
  const closed = new Promise<void>((resolve) => {
    client.onCloseCallback = () => resolve();
  });
  await client.connect(`rtmp://127.0.0.1:${port}/live/x`);
  await client.sendConnect();
  await client.sendCreateStream();
  return { client, statuses, closed };
}

describe('RtmpIngest', () => {
  let ingest: RtmpIngest | undefined;
  const clients: Array<{ disconnect(): void }> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await ingest?.close();
    ingest = undefined;
  });

  async function start(options: { limits?: RtmpLimits; authorize?: (stream: string, key: string | undefined) => PublishDecision; host?: string } = {}) {
    const { logger, records } = captureLogger('debug');
    const publishers: RtmpPublisher[] = [];
    ingest = new RtmpIngest({
      port: 0,
      host: options.host ?? '127.0.0.1',
      logger,
      limits: options.limits,
      authorize: ({ stream, key }) => options.authorize?.(stream, key) ?? { accept: true },
      onPublish: (publisher) => publishers.push(publisher),
      onUnpublish: () => undefined,
    });
    const port = await ingest.listen();
    const over = (bound: string) => records.filter((r) => r.msg === 'RTMP connection over a limit; closed' && r.bound === bound);
    return { ingest, port, records, publishers, over };
  }

  /** A publisher accepted for `stream`. */
  async function publisher(port: number, stream = 'cam'): Promise<Client> {
    const connected = await rtmpClient(port);
    clients.push(connected.client);
    await connected.client.sendPublish(stream);
    return connected;
  }

  it('listens on the configured host only, and logs it', async () => {
    const { port, records } = await start({ host: '127.0.0.1' });
    expect(records).toContainEqual(expect.objectContaining({ msg: 'RTMP ingest listening', host: '127.0.0.1', port }));
    const elsewhere = net.connect({ port, host: '127.0.0.2' });
    const [error] = (await once(elsewhere, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('closes a connection announcing a 16 MiB message before publishing, without allocating it', async () => {
    const { ingest, port, over } = await start();
    const attacker = await rawClient(port);
    // The memory fill of issue 13: fmt 0 headers announcing 16 MiB messages on many chunk streams, a chunk of each.
    for (let cid = 3; cid < 27; cid += 1) attacker.socket.write(Buffer.concat([cid === 3 ? HANDSHAKE() : Buffer.alloc(0), chunkHeader(cid, 0xffffff, 9), Buffer.alloc(128)]));
    expect(await attacker.closed).toBeLessThan(1000);
    expect(over('prePublishMessageBytes')).toEqual([expect.objectContaining({ level: 40, ip: expect.stringMatching(/^127\.0\.0\.1:\d+$/), limit: 16 * 1024, value: 0xffffff })]);
    expect(ingest.stats()).toEqual({ connections: 0, pending: 0, bufferBytes: 0 });
  });

  it('closes a connection that opens more than 8 chunk streams before publishing', async () => {
    const { ingest, port, over } = await start();
    const attacker = await rawClient(port);
    attacker.socket.write(HANDSHAKE());
    let largest = 0;
    for (let cid = 3; cid < 40 && !attacker.isClosed(); cid += 1) {
      // 16 KiB messages, one 128-byte chunk of each: every one holds a buffer.
      attacker.socket.write(Buffer.concat([chunkHeader(cid, 16 * 1024, 9), Buffer.alloc(128)]));
      await sleep(5);
      largest = Math.max(largest, ingest.stats().bufferBytes);
    }
    await attacker.closed;
    expect(over('prePublishChunkStreams')).toEqual([expect.objectContaining({ limit: 8, value: 9 })]);
    expect(largest).toBeLessThanOrEqual(8 * (16 * 1024 + 1024));
    expect(ingest.stats().bufferBytes).toBe(0);
  });

  it('closes a connection that sends more than maxPrePublishBytes before publishing', async () => {
    const { port, over } = await start({ limits: { maxPrePublishBytes: 8 * 1024 } });
    const attacker = await rawClient(port);
    attacker.socket.write(HANDSHAKE());
    // Complete, well-formed messages of a type nothing acts on (user control events).
    for (let index = 0; index < 60 && !attacker.isClosed(); index += 1) {
      attacker.socket.write(Buffer.concat([chunkHeader(2, 100, 4), Buffer.alloc(100)]));
      await sleep(1);
    }
    await attacker.closed;
    expect(over('maxPrePublishBytes')).toEqual([expect.objectContaining({ limit: 8 * 1024 })]);
  });

  it('closes a connection that has not published within publishTimeout, however slowly it trickles', async () => {
    const { port, over } = await start({ limits: { publishTimeout: 1.5 } });
    const slow = await rawClient(port);
    slow.socket.write(HANDSHAKE());
    const trickle = setInterval(() => slow.socket.write(Buffer.from([2])), 300);
    try {
      const after = await slow.closed;
      expect(after).toBeGreaterThanOrEqual(1400);
      expect(after).toBeLessThan(2500);
    } finally {
      clearInterval(trickle);
    }
    expect(over('publishTimeout')).toEqual([expect.objectContaining({ limit: 1.5 })]);
  });

  it('caps connections not yet publishing, in all and per client address; accepted publishers do not count', async () => {
    const { ingest, port, over } = await start({ limits: { maxPendingConnections: 3, maxPendingPerClient: 2 } });
    const first = await rawClient(port, '127.0.0.1');
    await rawClient(port, '127.0.0.1');
    const third = await rawClient(port, '127.0.0.1');
    await third.closed;
    expect(over('maxPendingPerClient')).toHaveLength(1);
    const other = await rawClient(port, '127.0.0.2');
    const fourth = await rawClient(port, '127.0.0.3');
    await fourth.closed;
    expect(over('maxPendingConnections')).toHaveLength(1);
    await sleep(50);
    expect(other.isClosed()).toBe(false);
    expect(ingest.stats()).toMatchObject({ connections: 3, pending: 3 });

    first.socket.destroy();
    await vi.waitFor(() => expect(ingest.stats().pending).toBe(2));
    // A publisher is pending until accepted, then frees its place.
    await publisher(port);
    expect(ingest.stats()).toMatchObject({ connections: 3, pending: 2 });
    const fifth = await rawClient(port, '127.0.0.3');
    await sleep(50);
    expect(fifth.isClosed()).toBe(false);
  });

  it('bounds an accepted publisher: message length, chunk streams, chunk size', async () => {
    const { ingest, port, over } = await start({ limits: { maxMessageBytes: 64 * 1024, maxChunkStreams: 4 } });

    const long = await publisher(port);
    long.client.socket!.write(Buffer.concat([chunkHeader(5, 64 * 1024 + 1, 9), Buffer.alloc(100)]));
    await long.closed;
    expect(over('maxMessageBytes')).toEqual([expect.objectContaining({ limit: 64 * 1024, value: 64 * 1024 + 1, accepted: true, stream: 'cam' })]);

    const wide = await publisher(port);
    // Chunk streams 2 and 3 carried the commands.
    for (const cid of [4, 5, 6]) wide.client.socket!.write(Buffer.concat([chunkHeader(cid, 10, 9), Buffer.alloc(10)]));
    await wide.closed;
    expect(over('maxChunkStreams')).toEqual([expect.objectContaining({ limit: 4, value: 5 })]);

    const chunky = await publisher(port);
    chunky.client.socket!.write(Buffer.concat([chunkHeader(2, 4, 1), Buffer.alloc(4)]));
    await chunky.closed;
    expect(over('chunkSize')).toEqual([expect.objectContaining({ value: 0 })]);
    await vi.waitFor(() => expect(ingest.stats()).toEqual({ connections: 0, pending: 0, bufferBytes: 0 }));
  });

  it('bounds the reassembly buffers of all connections together and releases them on close', async () => {
    const MiB = 1024 * 1024;
    const { ingest, port, over } = await start({ limits: { maxMessageBytes: 2 * MiB, maxTotalBufferBytes: 3 * MiB } });
    const first = await publisher(port);
    const second = await publisher(port, 'other');
    const before = ingest.stats().bufferBytes;
    first.client.socket!.write(Buffer.concat([chunkHeader(5, 2 * MiB, 9), Buffer.alloc(1000)]));
    await vi.waitFor(() => expect(ingest.stats().bufferBytes).toBeGreaterThan(2 * MiB));
    second.client.socket!.write(Buffer.concat([chunkHeader(5, 2 * MiB, 9), Buffer.alloc(1000)]));
    await second.closed;
    expect(over('maxTotalBufferBytes')).toEqual([expect.objectContaining({ limit: 3 * MiB, stream: 'other' })]);
    expect(ingest.stats().bufferBytes).toBeLessThanOrEqual(3 * MiB);
    first.client.disconnect();
    await vi.waitFor(() => expect(ingest.stats().bufferBytes).toBe(0));
    expect(before).toBeLessThan(16 * 1024);
  });

  it('refuses every play, whatever token it brings, without ever sending Play.Start', async () => {
    const { publishers, port, records } = await start();
    await publisher(port);
    expect(publishers).toHaveLength(1);
    for (const name of ['cam', 'cam?token=anything', 'cam?key=s3cret']) {
      const { client, statuses, closed } = await rtmpClient(port);
      clients.push(client);
      await expect(client.sendPlay(name)).rejects.toThrow('playing over RTMP is not offered');
      await closed;
      expect(statuses.map((s) => s.code)).toEqual(['NetStream.Play.Failed']);
    }
    expect(records.filter((r) => r.msg === 'RTMP play refused')).toHaveLength(3);
  });

  it('tells an unknown stream, a missing key and a wrong key the same; the log keeps the reason', async () => {
    const decisions: Record<string, PublishDecision> = {
      nosuch: { accept: false, code: 'unknown-stream', reason: 'no stream nosuch is declared for RTMP publishing' },
      cam: { accept: false, code: 'missing-key', reason: 'stream cam needs its stream key' },
      'cam?key=wrong': { accept: false, code: 'wrong-key', reason: 'wrong stream key for stream cam' },
    };
    const { port, records, publishers } = await start({ authorize: (stream, key) => decisions[key === undefined ? stream : `${stream}?key=${key}`]! });
    const told: unknown[] = [];
    for (const name of Object.keys(decisions)) {
      const { client, statuses, closed } = await rtmpClient(port);
      clients.push(client);
      client.sendPublish(name).catch(() => undefined);
      await closed;
      told.push(statuses);
    }
    expect(told).toEqual(Array.from({ length: 3 }, () => [RTMP_PUBLISH_REFUSED]));
    expect(RTMP_PUBLISH_REFUSED).toEqual({ code: 'NetStream.Publish.Unauthorized', description: 'publish refused: unknown stream or wrong stream key' });
    expect(records.filter((r) => r.msg === 'RTMP publish refused').map((r) => r.reason)).toEqual(Object.values(decisions).map((d) => !d.accept && d.reason));
    expect(publishers).toEqual([]);
  });

  it('feeds an accepted publish to its FlvFeed, also past the 32-bit timestamp wrap', async () => {
    const { port, publishers } = await start();
    const { client } = await publisher(port);
    const { feed } = publishers[0]!;
    const keyFrame = Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), Buffer.alloc(200, 0xab)]);
    // One absolute timestamp 1 s before the wrap (extended timestamp), then 40 ms deltas (fmt 2) for 2 s:
    // node-media-server sums them past 2^32 and would drop every message from there on.
    const first = Buffer.concat([chunkHeader(5, keyFrame.length, 9, 0xffffff), Buffer.alloc(4), keyFrame]);
    first.writeUInt32BE(2 ** 32 - 1000, 12);
    const delta = Buffer.concat([Buffer.from([0x80 | 5, 0, 0, 40]), keyFrame]);
    client.socket!.write(Buffer.concat([first, ...Array.from({ length: 49 }, () => delta)]));
    const flv = await feed.head({ minDuration: 0, minBytes: 50 * (11 + keyFrame.length + 4) });
    expect(flv.length).toBe(13 + 50 * (11 + keyFrame.length + 4));
    expect(feed.reanchors).toBe(1);
  });
});
