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
