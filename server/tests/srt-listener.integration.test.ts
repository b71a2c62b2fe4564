import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Origin } from '../src/index.js';
import { apiStream, fetchManifest, freeUdpPort, publish, startIngestOrigin, transcoderStarts, validateMpd, type Publisher } from './ingest-helpers.js';
import { sleep } from './helpers.js';

describe('SRT publish to the ffmpeg listener (real ffmpeg callers)', () => {
  let origin: Origin & { url: string };
  let records: Array<Record<string, unknown>>;
  let port: number;
  const publishers: Publisher[] = [];
  const srt = (passphrase: string): string => `srt://127.0.0.1:${port}?passphrase=${passphrase}&pbkeylen=16`;

  beforeAll(async () => {
    port = await freeUdpPort();
    ({ origin, records } = await startIngestOrigin({ streams: [{ name: 'field', key: 'correct-horse-1', source: { type: 'srt', port } }] }));
    await vi.waitFor(async () => expect((await apiStream(origin, 'field')).reason).toBe(`waiting for an SRT caller on port ${port}`));
  });
  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop()));
    await origin?.close();
  });

  it('never goes live with a wrong passphrase: the handshake fails, nothing is decoded', async () => {
    const wrong = publish(srt('wrong-horse-2'), 'mpegts', 3);
    publishers.push(wrong);
    expect(await wrong.exited).not.toBe(0);
    await vi.waitFor(() => expect(records.some((r) => r.msg === 'SRT caller refused' && r.stream === 'field')).toBe(true));
    await sleep(500);
    expect(await apiStream(origin, 'field')).toMatchObject({ state: 'offline', session: null });
    expect(transcoderStarts(records, 'field')).toEqual([]);
  });

  it('goes live with the right passphrase and ends the presentation when the caller leaves', async () => {
    const caller = publish(srt('correct-horse-1'), 'mpegts', 8);
    publishers.push(caller);
    await vi.waitFor(async () => expect((await apiStream(origin, 'field')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    const live = await fetchManifest(origin, 'field');
    expect(live.type).toBe('dynamic');
    await validateMpd(live.xml);
    const stream = await apiStream(origin, 'field');
    expect(stream).toMatchObject({ source: { type: 'srt', port }, keyRequired: true, transcoder: { state: 'running' } });
    expect(stream.renditions).toEqual(expect.arrayContaining([expect.objectContaining({ contentType: 'video', height: 240 })]));

    expect(await caller.exited).toBe(0);
    await vi.waitFor(async () => expect((await apiStream(origin, 'field')).state).toBe('offline'), { timeout: 5000, interval: 100 });
    await vi.waitFor(async () => expect((await fetchManifest(origin, 'field')).type).toBe('static'), { timeout: 5000, interval: 100 });
    await validateMpd((await fetchManifest(origin, 'field')).xml);
    // Listening again for the next caller.
    await vi.waitFor(async () => expect((await apiStream(origin, 'field')).reason).toBe('publisher disconnected'));
    expect(records.filter((r) => r.msg === 'SRT listener waiting for a caller' && r.stream === 'field').length).toBeGreaterThanOrEqual(2);
  });

  it('takes a new passphrase without a restart: the listener restarts with it, the old one is refused', async () => {
    // Idle (no caller): the listener restarts with the new key at once.
    await vi.waitFor(async () => expect((await apiStream(origin, 'field')).state).toBe('offline'), { timeout: 5000, interval: 100 });
    expect(await origin.streams.setKeys('field', 'battery-staple-3')).toBe(true);
    const old = publish(srt('correct-horse-1'), 'mpegts', 3);
    publishers.push(old);
    expect(await old.exited).not.toBe(0);
    expect((await apiStream(origin, 'field')).state).not.toBe('live');

    const caller = publish(srt('battery-staple-3'), 'mpegts', 8);
    publishers.push(caller);
    await vi.waitFor(async () => expect((await apiStream(origin, 'field')).state).toBe('live'), { timeout: 15_000, interval: 200 });
    // A rotation while it publishes does not cut it off.
    await origin.streams.setKeys('field', 'tumbling-dice-4');
    await sleep(1000);
    expect((await apiStream(origin, 'field')).state).toBe('live');
    expect(caller.child.exitCode).toBeNull();
    await caller.stop();
  }, 40_000);
});

describe('SRT publish whose timestamps jump (an encoder restart, a clock an hour ahead)', () => {
  let origin: Origin & { url: string };
  let records: Array<Record<string, unknown>>;
  let port: number;
  let early: Buffer;
  let late: Buffer;

  beforeAll(async () => {
    port = await freeUdpPort();
    ({ origin, records } = await startIngestOrigin({ streams: [{ name: 'jumpy', key: 'jumping-jack-5', source: { type: 'srt', port } }] }));
    const directory = await mkdtemp(join(tmpdir(), 'llstream-srt-jump-'));
    const encode = async (name: string, offset: number): Promise<Buffer> => {
      const file = join(directory, name);
      await promisify(execFile)('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
        ...['-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-c:a', 'aac', '-b:a', '64k'],
        ...['-output_ts_offset', String(offset), '-f', 'mpegts', file],
      ]);
      return readFile(file);
    };
    // Each 4 s file starts its timestamps again: played back to back, the caller's clock goes
    // back 4 s (an encoder restart); `late` is an hour ahead of `early`. (A jump of more than
    // 30 hours, ffmpeg's -dts_error_threshold, never reaches the origin: the relay drops such
    // timestamps and continues the timeline from the last ones.)
    [early, late] = [await encode('early.ts', 10), await encode('late.ts', 3610)];
    await rm(directory, { recursive: true, force: true });
  });
  afterAll(async () => {
    await origin?.close();
  });

  /** An SRT caller sending `files` back to back in real time, their bytes as they are (`-f data`: ffmpeg's muxers would smooth the jumps). */
  function rawCaller(files: Buffer[]): { stop(): Promise<void> } {
    const caller = spawn('ffmpeg', [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'data', '-i', 'pipe:0', '-map', '0', '-c', 'copy', '-f', 'data'],
      `srt://127.0.0.1:${port}?passphrase=jumping-jack-5&pbkeylen=16`,
    ]);
    caller.stdin.on('error', () => undefined);
    let stopped = false;
    const playing = (async () => {
      for (const file of files) {
        const started = performance.now();
        const step = 1316 * 4;
        for (let at = 0; at < file.length && !stopped; at += step) {
          const due = started + (at / file.length) * 4000;
          if (due > performance.now()) await sleep(due - performance.now());
          caller.stdin.write(file.subarray(at, at + step));
        }
      }
    })();
    return {
      async stop() {
        stopped = true;
        await playing;
        caller.kill('SIGKILL');
      },
    };
  }

  for (const [what, files, reason] of [
    ['an encoder restart (the clock back to its start)', () => [early, early, early], /^publisher dropped: video timestamps (advanced \d\.\d s in \d\.\d s \(stopped, or went back and were clamped\)|went back \d\.\d s)$/],
    ['a clock jump an hour ahead', () => [early, late, late], /^publisher dropped: video timestamps jumped forward 3\d\d\d\.\d s$/],
  ] as const) {
    it(`ends the session cleanly on ${what}: offline with the reason, a warning naming the stream, and the next caller goes live`, async () => {
      const caller = rawCaller(files());
      try {
        await vi.waitFor(async () => expect((await apiStream(origin, 'jumpy')).state).toBe('live'), { timeout: 15_000, interval: 200 });
        // The state history: the session went offline with the reason (the caller may reconnect at once).
        await vi.waitFor(() => expect(records).toContainEqual(expect.objectContaining({ stream: 'jumpy', msg: 'stream jumpy offline', reason: expect.stringMatching(reason) })), {
          timeout: 15_000,
          interval: 200,
        });
        expect(records).toContainEqual(expect.objectContaining({ level: 40, stream: 'jumpy', msg: 'SRT caller dropped: its timestamps are unusable' }));
      } finally {
        await caller.stop();
      }
      await vi.waitFor(async () => expect((await apiStream(origin, 'jumpy')).state).toBe('offline'), { timeout: 10_000, interval: 200 });
      await vi.waitFor(async () => expect((await fetchManifest(origin, 'jumpy')).type).toBe('static'), { timeout: 5000, interval: 100 });
      // The listener waits for the next caller, which goes live.
      const next = publish(`srt://127.0.0.1:${port}?passphrase=jumping-jack-5&pbkeylen=16`, 'mpegts', 6);
      try {
        await vi.waitFor(async () => expect((await apiStream(origin, 'jumpy')).state).toBe('live'), { timeout: 15_000, interval: 200 });
      } finally {
        await next.stop();
      }
      await vi.waitFor(async () => expect((await apiStream(origin, 'jumpy')).state).toBe('offline'), { timeout: 10_000, interval: 200 });
      records.length = 0;
    }, 60_000);
  }
});
