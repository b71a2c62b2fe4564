import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Origin } from '../src/index.js';
import { apiStream, fetchManifest, publish, startIngestOrigin, transcoderStarts, validateMpd, type Publisher } from './ingest-helpers.js';

const run = promisify(execFile);

/** An AMF0 string. */
const amfString = (text: string): Buffer => Buffer.concat([Buffer.from([2, 0, text.length]), Buffer.from(text)]);

/**
 * A client that completes the RTMP handshake, then sends a `connect`
 * command without `tcUrl` (which makes node-media-server's parser throw),
 * followed by random bytes. Resolves when the origin closes the connection.
 */
function sendMalformedConnect(port: number): Promise<void> {
  const transactionId = Buffer.alloc(9);
  transactionId.writeDoubleBE(1, 1);
  const command = Buffer.concat([amfString('connect'), transactionId, Buffer.from([3, 0, 3]), Buffer.from('app'), amfString('live'), Buffer.from([0, 0, 9])]);
  const header = Buffer.alloc(12);
  header[0] = 0x03; // fmt 0, chunk stream 3
  header.writeUIntBE(command.length, 4, 3);
  header[7] = 0x14; // AMF0 command
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([Buffer.from([3]), randomBytes(1536), randomBytes(1536), header, command, randomBytes(2000)]));
    });
    socket.on('error', () => undefined);
    // Read what the origin sends (its handshake), or 'close' would wait for it.
    socket.resume();
    socket.on('close', () => resolve());
  });
}

describe('RTMP publish through node-media-server (real ffmpeg publishers)', () => {
  let origin: Origin & { url: string };
  let records: Array<Record<string, unknown>>;
  let rtmp: string;
  const publishers: Publisher[] = [];
  let livePublisher: Publisher;
  const refusals = (stream: string) => records.filter((r) => r.msg === 'RTMP publish refused' && r.stream === stream);

  beforeAll(async () => {
    ({ origin, records } = await startIngestOrigin({
      streams: [
        { name: 'cam', key: 's3cret-key', source: { type: 'rtmp' } },
        { name: 'open', source: { type: 'rtmp' } },
      ],
    }));
    rtmp = `rtmp://127.0.0.1:${origin.streams.rtmpPort}/live`;
  });
  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop()));
    await origin?.close();
  });

  it('refuses a wrong or missing key before any transcoding starts', async () => {
    const wrong = publish(`${rtmp}/cam/not-the-key`, 'flv', 5);
    const missing = publish(`${rtmp}/cam`, 'flv', 5);
    const unknown = publish(`${rtmp}/nosuchstream?key=s3cret-key`, 'flv', 5);
    publishers.push(wrong, missing, unknown);
    expect(await wrong.exited).not.toBe(0);
    expect(await missing.exited).not.toBe(0);
    expect(await unknown.exited).not.toBe(0);
    expect(wrong.stderr()).toContain('wrong stream key for stream cam');
    expect(refusals('cam').map((r) => r.reason).sort()).toEqual(['stream cam needs its stream key', 'wrong stream key for stream cam']);
    expect(refusals('nosuchstream')[0]?.reason).toBe('no stream nosuchstream is declared for RTMP publishing');
    expect(transcoderStarts(records, 'cam')).toEqual([]);
    expect(await apiStream(origin, 'cam')).toMatchObject({ state: 'offline', session: null, transcoder: null, keyRequired: true });
  });

  it('goes live with the right key, serves a schema-valid manifest and refuses a second publisher', async () => {
    livePublisher = publish(`${rtmp}/cam?key=s3cret-key`, 'flv');
    publishers.push(livePublisher);
    await vi.waitFor(async () => expect((await apiStream(origin, 'cam')).state).toBe('live'), { timeout: 15_000, interval: 200 });

    const manifest = await fetchManifest(origin, 'cam');
    expect(manifest).toMatchObject({ status: 200, type: 'dynamic' });
    await validateMpd(manifest.xml);

    const second = publish(`${rtmp}/cam/s3cret-key`, 'flv', 5);
    publishers.push(second);
    expect(await second.exited).not.toBe(0);
    expect(refusals('cam').at(-1)?.reason).toBe('stream cam already has a publisher');

    await vi.waitFor(async () => expect((await apiStream(origin, 'cam')).ingestBitrate).toBeGreaterThan(50_000), { timeout: 5000, interval: 250 });
    const stream = await apiStream(origin, 'cam');
    expect(stream).toMatchObject({
      state: 'live',
      reason: null,
      source: { type: 'rtmp' },
      session: { endedAt: null, publisher: expect.stringMatching(/^127\.0\.0\.1:\d+$/) },
      transcoder: { state: 'running', restarts: 0 },
    });
    expect(stream.renditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ contentType: 'video', height: 240, bandwidth: 300_000 }),
        expect.objectContaining({ contentType: 'audio' }),
      ]),
    );
    // Only the first publisher got a transcoder.
    expect(transcoderStarts(records, 'cam')).toHaveLength(1);
  });

  it('refuses RTMP playback from outside (only the origin\'s own ffmpeg may pull)', async () => {
    await expect(run('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', `${rtmp}/cam`])).rejects.toThrow();
    expect(records.some((r) => r.msg === 'RTMP play refused')).toBe(true);
  });

  it('a publisher disconnect ends the presentation; a new publish is a new session', async () => {
    const before = await apiStream(origin, 'cam');
    const live = await fetchManifest(origin, 'cam');
    await livePublisher.stop('SIGKILL');

    await vi.waitFor(async () => expect(await apiStream(origin, 'cam')).toMatchObject({ state: 'offline', reason: 'publisher disconnected' }), {
      timeout: 5000,
      interval: 100,
    });
    await vi.waitFor(async () => expect((await fetchManifest(origin, 'cam')).type).toBe('static'), { timeout: 5000, interval: 100 });
    const ended = await fetchManifest(origin, 'cam');
    expect(ended.duration).toMatch(/^PT\d+(\.\d+)?S$/);
    expect(ended.xml).not.toContain('minimumUpdatePeriod');
    await validateMpd(ended.xml);
    expect((await apiStream(origin, 'cam')).transcoder).toMatchObject({ state: 'stopped' });

    // OBS's "Server rtmp://HOST/live/cam + Stream Key s3cret-key": app live/cam, stream name = the key.
    const again = publish(`rtmp://127.0.0.1:${origin.streams.rtmpPort}/`, 'flv', 60, ['-rtmp_app', 'live/cam', '-rtmp_playpath', 's3cret-key']);
    publishers.push(again);
    await vi.waitFor(async () => expect((await apiStream(origin, 'cam')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    const after = await apiStream(origin, 'cam');
    expect(after.session.id).not.toBe(before.session.id);
    expect(after.session.runTag).not.toBe(before.session.runTag);
    const relive = await fetchManifest(origin, 'cam');
    expect(relive.type).toBe('dynamic');
    expect(relive.ast).not.toBe(live.ast);
    await again.stop('SIGKILL');
  });

  it('drops a malformed connection with a log line instead of crashing', async () => {
    await sendMalformedConnect(origin.streams.rtmpPort!);
    expect(records.find((r) => r.msg === 'malformed RTMP data; connection dropped')).toMatchObject({ level: 40, err: { message: 'Invalid URL' } });
  });

  it('takes a publisher without a key for a stream declared without one', async () => {
    const open = publish(`${rtmp}/open`, 'flv', 30);
    publishers.push(open);
    await vi.waitFor(async () => expect((await apiStream(origin, 'open')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    await open.stop('SIGKILL');
  });

  it('keeps a running publisher through a key rotation; cutOff disconnects it; the new key publishes', async () => {
    await vi.waitFor(async () => expect((await apiStream(origin, 'cam')).state).not.toBe('live'), { timeout: 10_000, interval: 200 });
    const running = publish(`${rtmp}/cam?key=s3cret-key`, 'flv', 60);
    publishers.push(running);
    await vi.waitFor(async () => expect((await apiStream(origin, 'cam')).state).toBe('live'), { timeout: 15_000, interval: 200 });

    await origin.streams.setKeys('cam', ['rotated-key-1']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await apiStream(origin, 'cam')).state).toBe('live');
    expect(running.child.exitCode).toBeNull();

    await origin.streams.setKeys('cam', ['rotated-key-2'], { cutOff: true });
    expect(await running.exited).not.toBe(0);
    await vi.waitFor(async () => expect((await apiStream(origin, 'cam')).reason).toBe('publisher disconnected: stream keys replaced'), { timeout: 5000, interval: 100 });

    const old = publish(`${rtmp}/cam?key=s3cret-key`, 'flv', 5);
    publishers.push(old);
    expect(await old.exited).not.toBe(0);
    const fresh = publish(`${rtmp}/cam/rotated-key-2`, 'flv', 30);
    publishers.push(fresh);
    await vi.waitFor(async () => expect((await apiStream(origin, 'cam')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    await fresh.stop('SIGKILL');
  }, 60_000);
});
