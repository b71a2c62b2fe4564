import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import RtmpClient from 'node-media-server/src/protocol/rtmp_client.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RTMP_LIMITS, RTMP_PUBLISH_REFUSED, RtmpIngest } from '../src/ingest/rtmp-server.js';
import type { Origin } from '../src/index.js';
import { LiveStream } from '../src/store/live-stream.js';
import { sleep } from './helpers.js';
import { apiStream, fetchManifest, publish, startIngestOrigin, transcoderStarts, validateMpd, type Publisher } from './ingest-helpers.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

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

/**
 * The memory fill of issue 13: after the handshake, without `connect` or a
 * key, fmt 0 chunk headers announcing 16 MiB messages on 24 chunk streams
 * (node-media-server allocated each one in full: 384 MiB for ~3.4 KiB
 * sent), then a byte every 2 s to keep the connection.
 * @returns after how long the origin closed the connection (ms), or
 *   undefined if it had not within 3 s (the attacker then gives up).
 */
async function memoryFill(port: number): Promise<number | undefined> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.resume();
  const start = performance.now();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - start)));
  await new Promise((resolve) => socket.once('connect', resolve));
  const chunks = [Buffer.from([3]), randomBytes(3072)];
  for (let cid = 3; cid < 27; cid += 1) {
    const header = Buffer.alloc(12);
    header[0] = cid; // fmt 0
    header.writeUIntBE(0xffffff, 4, 3);
    header[7] = 9;
    chunks.push(header, Buffer.alloc(128));
  }
  socket.write(Buffer.concat(chunks));
  const drip = setInterval(() => socket.write(Buffer.from([0])), 2000);
  try {
    return await Promise.race([closed, sleep(3000).then(() => undefined)]);
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
}

interface FlvTag {
  type: number;
  timestamp: number;
  data: Buffer;
}

/** The tags of an FLV file (FLV spec E.2 to E.4). */
function flvTags(flv: Buffer): FlvTag[] {
  const tags: FlvTag[] = [];
  for (let offset = flv.readUInt32BE(5) + 4; offset + 11 <= flv.length; ) {
    const size = flv.readUIntBE(offset + 1, 3);
    const timestamp = (flv.readUIntBE(offset + 4, 3) | (flv[offset + 7]! << 24)) >>> 0;
    tags.push({ type: flv[offset]!, timestamp, data: flv.subarray(offset + 11, offset + 11 + size) });
    offset += 11 + size + 4;
  }
  return tags;
}

/**
 * An RTMP publisher ffmpeg cannot be: node-media-server's RTMP client
 * sending the tags of `file` in real time (looping from its first key
 * frame), with `jump(ms)` adding to every timestamp from then on,
 * `restartClock()` starting the timestamps again from 0 (an encoder
 * restart), and `goAway(ms)` sending nothing for that long and then
 * starting its timestamps again from 0 at a key frame (an encoder
 * restarted in the same connection), and `freeze()` stamping every message
 * from then on with the last timestamp (a publisher whose clock stopped).
 */
async function jumpingPublisher(
  port: number,
  stream: string,
  file: Buffer,
): Promise<{ jump(milliseconds: number): void; restartClock(): void; goAway(milliseconds: number): void; freeze(): void; stop(): void }> {
  const tags = flvTags(file);
  const firstKey = tags.findIndex((tag) => tag.type === 9 && tag.data[0] === 0x17 && tag.data[1] === 1);
  const period = Math.max(...tags.map((tag) => tag.timestamp)) - tags[firstKey]!.timestamp + 40;
  const client = new RtmpClient();
  client.onErrorCallback = () => undefined;
  await client.connect(`rtmp://127.0.0.1:${port}/live/${stream}`);
  await client.sendConnect();
  await client.sendCreateStream();
  await client.sendPublish(stream);
  let jump = 0;
  let last = 0;
  let stopped = false;
  /** While away: until when, and then the key frame it comes back at. */
  let away: { until: number } | undefined;
  let frozen = false;
  void (async () => {
    const start = performance.now();
    let loop = 0;
    for (let index = 0; !stopped; index += 1) {
      if (index === tags.length) {
        index = firstKey;
        loop += period;
      }
      const tag = tags[index]!;
      const due = start + tag.timestamp + loop;
      if (due > performance.now()) await sleep(due - performance.now());
      if (stopped) break;
      if (away !== undefined) {
        const key = tag.type === 9 && tag.data[0] === 0x17 && tag.data[1] === 1;
        if (performance.now() < away.until || !key) continue;
        away = undefined;
        jump = -(tag.timestamp + loop);
      }
      if (!frozen) last = tag.timestamp + loop + jump;
      try {
        client.sendPacket({ codec_type: tag.type, dts: last, size: tag.data.length, data: tag.data });
      } catch {
        break; // The origin dropped the connection.
      }
    }
  })();
  return {
    jump: (milliseconds) => (jump += milliseconds),
    restartClock: () => (jump -= last),
    goAway: (milliseconds) => (away = { until: performance.now() + milliseconds }),
    freeze: () => (frozen = true),
    stop: () => {
      stopped = true;
      client.disconnect();
    },
  };
}

describe('RTMP publish through node-media-server (real ffmpeg publishers)', () => {
  let origin: Origin & { url: string };
  let records: Array<Record<string, unknown>>;
  let rtmp: string;
  const publishers: Publisher[] = [];
  let livePublisher: Publisher;
  let ingest: RtmpIngest;
  const refusals = (stream: string) => records.filter((r) => r.msg === 'RTMP publish refused' && r.stream === stream);

  beforeAll(async () => {
    // The origin's RtmpIngest, for its counters.
    const listen = vi.spyOn(RtmpIngest.prototype, 'listen');
    ({ origin, records } = await startIngestOrigin({
      streams: [
        { name: 'cam', key: 's3cret-key', source: { type: 'rtmp' } },
        { name: 'open', source: { type: 'rtmp' } },
        { name: 'jumpy', source: { type: 'rtmp' } },
      ],
    }));
    ingest = listen.mock.contexts[0] as RtmpIngest;
    listen.mockRestore();
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
    // The same answer for all three; only the log says which it was.
    for (const refused of [wrong, missing, unknown]) expect(refused.stderr()).toContain(`Server error: ${RTMP_PUBLISH_REFUSED.description}`);
    expect(wrong.stderr()).not.toContain('wrong stream key for stream cam');
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

  it('refuses every RTMP play, whatever token it brings (the transcoder reads the publish on its stdin)', async () => {
    await expect(run('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', `${rtmp}/cam`])).rejects.toThrow('playing over RTMP is not offered');
    await expect(run('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', `${rtmp}/cam?token=anything`])).rejects.toThrow('playing over RTMP is not offered');
    expect(records.filter((r) => r.msg === 'RTMP play refused')).toHaveLength(2);
    // Nothing of the origin's own plays from RTMP either.
    expect(records.filter((r) => r.msg === 'ffmpeg started').flatMap((r) => r.args as string[]).join(' ')).not.toContain('rtmp://');
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
  it('closes the memory fill of issue 13 at its first header, while a publisher of another stream goes live', async () => {
    const before = process.memoryUsage();
    let peakRss = before.rss;
    // Buffer.alloc'd pages count toward RSS only once written: the bytes of all Buffers are the memory held.
    let peakArrayBuffers = before.arrayBuffers;
    let peakBuffers = 0;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakArrayBuffers = Math.max(peakArrayBuffers, usage.arrayBuffers);
      peakBuffers = Math.max(peakBuffers, ingest.stats().bufferBytes);
    }, 10);
    try {
      const live = publish(`${rtmp}/open`, 'flv', 30);
      publishers.push(live);
      const closedAfter = await Promise.all([memoryFill(origin.streams.rtmpPort!), memoryFill(origin.streams.rtmpPort!)]);
      expect(closedAfter).toEqual([expect.any(Number), expect.any(Number)]);
      expect(Math.max(...(closedAfter as number[]))).toBeLessThan(1000);
      await vi.waitFor(async () => expect((await apiStream(origin, 'open')).state).toBe('live'), { timeout: 15_000, interval: 200 });
      await live.stop('SIGKILL');
    } finally {
      clearInterval(sampler);
    }
    const over = records.filter((r) => r.msg === 'RTMP connection over a limit; closed' && r.bound === 'prePublishMessageBytes');
    expect(over).toHaveLength(2);
    expect(over[0]).toMatchObject({ level: 40, ip: expect.stringMatching(/^127\.0\.0\.1:\d+$/), value: 0xffffff });
    expect(peakBuffers).toBeLessThanOrEqual(DEFAULT_RTMP_LIMITS.maxTotalBufferBytes);
    expect(peakRss - before.rss).toBeLessThan(100 * MiB);
    expect(peakArrayBuffers - before.arrayBuffers).toBeLessThan(100 * MiB);
  });

  /** 4 s of 320x240 25 fps H.264 and AAC, as FLV: what {@link jumpingPublisher} loops. */
  async function loopableFlv(): Promise<Buffer> {
    const directory = await mkdtemp(join(tmpdir(), 'llstream-jump-'));
    const file = join(directory, 'av.flv');
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', file],
    ]);
    const flv = await readFile(file);
    await rm(directory, { recursive: true, force: true });
    return flv;
  }

  it('keeps a publish live through a +500 000 s timestamp jump and an encoder restart: segments keep coming from the same transcoder run', async () => {
    const flv = await loopableFlv();
    const beginSegment = vi.spyOn(LiveStream.prototype, 'beginSegment');
    /** Media segments of `jumpy`'s transcoder run `runTag` begun from call `from` of the spy on. */
    const segments = (runTag: string, from: number): string[] =>
      beginSegment.mock.calls
        .map(([name], index) => ({ name, stream: (beginSegment.mock.contexts[index] as LiveStream).name }))
        .slice(from)
        .filter((call) => call.stream === 'jumpy' && call.name.startsWith(`seg-${runTag}-`))
        .map((call) => call.name);
    const publisher = await jumpingPublisher(origin.streams.rtmpPort!, 'jumpy', flv);
    try {
      await vi.waitFor(async () => expect((await apiStream(origin, 'jumpy')).state).toBe('live'), { timeout: 15_000, interval: 200 });
      const { runTag } = (await apiStream(origin, 'jumpy')).session as { runTag: string };
      for (const jump of [() => publisher.jump(500_000_000), () => publisher.restartClock()]) {
        jump();
        const states = new Set<string>();
        let midway = 0;
        for (let tick = 0; tick < 12; tick += 1) {
          if (tick === 4) midway = beginSegment.mock.calls.length;
          states.add((await apiStream(origin, 'jumpy')).state);
          await sleep(250);
        }
        expect(states).toEqual(new Set(['live']));
        // 1 s segments of video and audio: about four in the last 2 s; no flood of filler either.
        expect(segments(runTag, midway).length).toBeGreaterThanOrEqual(2);
        expect(segments(runTag, midway).length).toBeLessThanOrEqual(8);
      }
      expect(await apiStream(origin, 'jumpy')).toMatchObject({ state: 'live', session: { runTag }, transcoder: { restarts: 0 } });

      // An encoder that restarts after 3 s away: the segment numbers (media time) keep pace with the
      // wall clock through availabilityStartTime, as dash.js and Shaka count them, instead of falling 3 s behind.
      const { xml, ast } = await fetchManifest(origin, 'jumpy');
      const template = /<SegmentTemplate\b[^>]*\bduration="(\d+)"[^>]*>/.exec(xml)![0];
      const attribute = (name: string): number => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(template)![1]);
      const segmentMs = (attribute('duration') / attribute('timescale')) * 1000;
      /** Segments the newest segment begun of representation `id` (0 video, 1 audio) is behind the one availabilityStartTime puts at now. */
      const behind = (id: number): number => {
        const numbers = segments(runTag, 0)
          .filter((name) => name.includes(`-${id}-`))
          .map((name) => Number(/-(\d+)\.m4s$/.exec(name)![1]));
        return (Date.now() - Date.parse(ast!)) / segmentMs + attribute('startNumber') - 1 - Math.max(...numbers);
      };
      const before = [behind(0), behind(1)];
      publisher.goAway(3000);
      await sleep(6000);
      const after = [behind(0), behind(1)];
      console.log(`encoder away 3 s: the newest video, audio segment ${before.map((n) => n.toFixed(2)).join(', ')} segments behind availabilityStartTime's before, ${after.map((n) => n.toFixed(2)).join(', ')} after`);
      expect(after[0]! - before[0]!).toBeLessThan(1.5);
      expect(after[1]! - before[1]!).toBeLessThan(1.5);
      expect(await apiStream(origin, 'jumpy')).toMatchObject({ state: 'live', session: { runTag }, transcoder: { restarts: 0 } });

      const reanchored = records.filter((r) => r.msg === 'RTMP timestamps jumped; timeline re-anchored');
      expect(reanchored).toEqual([
        expect.objectContaining({ level: 40, stream: 'jumpy', jumpSeconds: expect.closeTo(500_000, -1) }),
        expect.objectContaining({ level: 40, stream: 'jumpy', jumpSeconds: expect.any(Number) }),
        expect.objectContaining({ level: 40, stream: 'jumpy', jumpSeconds: expect.any(Number) }),
      ]);
      expect(reanchored[1]!.jumpSeconds).toBeLessThan(-500_000);
    } finally {
      publisher.stop();
      beginSegment.mockRestore();
    }
  });

  it('drops a publisher whose timestamps stop while its frames keep coming: the stream goes offline naming why, and the next publish goes live', async () => {
    const flv = await loopableFlv();
    const publisher = await jumpingPublisher(origin.streams.rtmpPort!, 'jumpy', flv);
    try {
      await vi.waitFor(async () => expect((await apiStream(origin, 'jumpy')).state).toBe('live'), { timeout: 15_000, interval: 200 });
      const frozenAt = Date.now();
      publisher.freeze();
      await vi.waitFor(
        async () => expect(await apiStream(origin, 'jumpy')).toMatchObject({ state: 'offline', reason: expect.stringMatching(/^publisher dropped: video timestamps advanced \d\.\d s in \d\.\d s/) }),
        { timeout: 15_000, interval: 200 },
      );
      console.log(`timestamps stopped: the stream offline ${Date.now() - frozenAt} ms later, "${(await apiStream(origin, 'jumpy')).reason}"`);
      expect(records.filter((r) => r.msg === 'RTMP timestamps unusable; publisher dropped')).toEqual([expect.objectContaining({ level: 40, stream: 'jumpy' })]);
    } finally {
      publisher.stop();
    }
    const next = await jumpingPublisher(origin.streams.rtmpPort!, 'jumpy', flv);
    try {
      await vi.waitFor(async () => expect((await apiStream(origin, 'jumpy')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    } finally {
      next.stop();
    }
  });
});
