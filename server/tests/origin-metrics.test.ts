import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OriginMetrics, prepareManifest, SegmentStore } from '../src/index.js';
import { liveManifest, segmentName, sleep } from './helpers.js';
import { sample, seriesOf } from './prometheus-text.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads a reader to its end in flowing mode (also one paused before). */
function drain(reader: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    reader.on('data', () => undefined);
    reader.on('end', resolve);
    reader.on('error', reject);
    reader.resume();
  });
}

describe('OriginMetrics', () => {
  let metrics: OriginMetrics;
  let store: SegmentStore;
  beforeEach(() => {
    metrics = new OriginMetrics({ defaultMetrics: false });
    store = new SegmentStore({ holdTimeout: 50 }, metrics);
    metrics.readGaugesFrom(store);
  });
  afterEach(() => store.close());

  const text = (): Promise<string> => metrics.expose();
  const fanOutCount = async (stream = 's'): Promise<number | undefined> =>
    sample(await text(), 'llstream_chunk_fanout_delay_seconds_count', { stream });

  it('counts ingest per stream and rendition, including init segments and uploads that came before the first manifest', async () => {
    const init = store.beginSegment('s', 'init-run1-v.m4s');
    init.append(Buffer.from('init'));
    init.finish();
    const first = store.beginSegment('s', segmentName(1));
    first.append(Buffer.from('ab'));
    first.append(Buffer.from('cd'));
    const stray = store.beginSegment('s', 'notes.m4s');
    stray.append(Buffer.from('xyz'));
    stray.finish();
    // Nothing names a representation yet: nothing is counted under a guess.
    expect(seriesOf(await text(), 'llstream_ingest_bytes_total')).toEqual([]);

    store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
    first.append(Buffer.from('efg'));
    first.finish();
    const second = store.beginSegment('s', segmentName(2));
    second.append(Buffer.from('h'));
    store.beginSegment('t', segmentName(1)).append(Buffer.from('other stream'));
    store.putManifest('t', 'manifest.mpd', prepareManifest(liveManifest()));

    const exposition = await text();
    expect(sample(exposition, 'llstream_ingest_bytes_total', { stream: 's', rendition: 'v' })).toBe(4 + 4 + 3 + 1);
    expect(sample(exposition, 'llstream_ingest_chunks_total', { stream: 's', rendition: 'v' })).toBe(1 + 2 + 1 + 1);
    expect(sample(exposition, 'llstream_ingest_bytes_total', { stream: 's', rendition: 'unknown' })).toBe(3);
    expect(sample(exposition, 'llstream_ingest_bytes_total', { stream: 't', rendition: 'v' })).toBe(12);
  });

  it('counts an unattributed upload as unknown when it is replaced before any manifest', async () => {
    store.beginSegment('s', segmentName(1)).append(Buffer.from('abc'));
    store.beginSegment('s', segmentName(1)).append(Buffer.from('de'));
    expect(sample(await text(), 'llstream_ingest_bytes_total', { stream: 's', rendition: 'unknown' })).toBe(3);
    store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
    expect(sample(await text(), 'llstream_ingest_bytes_total', { stream: 's', rendition: 'v' })).toBe(2);
  });

  describe('fan-out delay', () => {
    it('observes each chunk once, when the last reader that was following the upload has been handed it', async () => {
      const segment = store.beginSegment('s', segmentName(1));
      const fast = segment.createReader();
      const fastDone = drain(fast);
      const slow = segment.createReader();
      slow.pause();
      segment.append(Buffer.from('a'));
      segment.append(Buffer.from('b'));
      await tick();
      // The fast reader has both chunks; the slow one has not taken them.
      expect(await fanOutCount()).toBeUndefined();

      await sleep(30);
      const slowDone = drain(slow);
      await tick();
      const exposition = await text();
      expect(sample(exposition, 'llstream_chunk_fanout_delay_seconds_count', { stream: 's' })).toBe(2);
      // Both waited >= 30 ms for the slow reader: none in the buckets up to 25 ms.
      expect(sample(exposition, 'llstream_chunk_fanout_delay_seconds_bucket', { stream: 's', le: '0.025' })).toBe(0);
      expect(sample(exposition, 'llstream_chunk_fanout_delay_seconds_bucket', { stream: 's', le: '0.5' })).toBe(2);
      segment.finish();
      await Promise.all([fastDone, slowDone]);
    });

    it('does not count the backlog a reader finds when it joins, nor chunks nobody follows', async () => {
      const segment = store.beginSegment('s', segmentName(1));
      segment.append(Buffer.from('nobody follows this one'));
      const reader = segment.createReader();
      const done = drain(reader);
      await tick();
      expect(await fanOutCount()).toBeUndefined();

      segment.append(Buffer.from('followed'));
      await tick();
      expect(await fanOutCount()).toBe(1);
      segment.finish();
      await done;
      // A reader of the finished segment is a backlog reader only.
      await drain(segment.createReader());
      expect(await fanOutCount()).toBe(1);
    });

    it('counts a reader for the chunks that arrived after it was requested, even before it was created', async () => {
      const segment = store.beginSegment('s', segmentName(1));
      const requestedAt = performance.now();
      segment.append(Buffer.from('a'));
      await sleep(20);
      // Created 20 ms after chunk 'a' arrived, the way a held request's reader is.
      const held = segment.createReader({ requestedAt });
      const done = drain(held);
      await tick();
      const exposition = await text();
      expect(sample(exposition, 'llstream_chunk_fanout_delay_seconds_count', { stream: 's' })).toBe(1);
      expect(sample(exposition, 'llstream_chunk_fanout_delay_seconds_bucket', { stream: 's', le: '0.01' })).toBe(0);

      // Requested after chunk 'b' arrived: 'b' is backlog for it.
      segment.append(Buffer.from('b'));
      await tick();
      const late = segment.createReader({ requestedAt: performance.now() });
      const lateDone = drain(late);
      await tick();
      expect(await fanOutCount()).toBe(2);
      segment.finish();
      await Promise.all([done, lateDone]);
    });

    it('does not wait for a reader that went away', async () => {
      const segment = store.beginSegment('s', segmentName(1));
      const stays = segment.createReader();
      stays.pause();
      const leaves = segment.createReader();
      leaves.pause();
      segment.append(Buffer.from('a'));
      await tick();
      leaves.destroy();
      await tick();
      expect(await fanOutCount()).toBeUndefined();
      // 'a' is fanned out once the reader that stayed has it.
      const staysDone = drain(stays);
      await tick();
      expect(await fanOutCount()).toBe(1);

      // A chunk whose only follower leaves without it is never observed.
      const other = store.beginSegment('s', segmentName(2));
      const gone = other.createReader();
      gone.pause();
      other.append(Buffer.from('b'));
      gone.destroy();
      await tick();
      expect(await fanOutCount()).toBe(1);
      segment.finish();
      other.finish();
      await staysDone;
    });
  });

  it('reports open readers and held requests by stream, read from the store at scrape time', async () => {
    store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
    const segment = store.beginSegment('s', segmentName(1));
    const readers = [segment.createReader(), segment.createReader()];
    const held = store.stream('s')!.waitForSegment(segmentName(2));
    let exposition = await text();
    expect(sample(exposition, 'llstream_open_readers', { stream: 's' })).toBe(2);
    expect(sample(exposition, 'llstream_held_requests', { stream: 's' })).toBe(1);

    store.beginSegment('s', segmentName(2));
    await held;
    for (const reader of readers) reader.destroy();
    await tick();
    exposition = await text();
    expect(sample(exposition, 'llstream_open_readers', { stream: 's' })).toBe(0);
    expect(sample(exposition, 'llstream_held_requests', { stream: 's' })).toBe(0);
  });

  it('counts held requests by outcome: served, timeout, cancelled', async () => {
    store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
    store.beginSegment('s', segmentName(1));
    const stream = store.stream('s')!;

    const served = stream.waitForSegment(segmentName(2));
    store.beginSegment('s', segmentName(2));
    expect(await served).toBeDefined();
    expect(await stream.waitForSegment(segmentName(3))).toBeUndefined(); // holdTimeout 50 ms
    const client = new AbortController();
    const cancelled = stream.waitForSegment(segmentName(4), client.signal);
    client.abort();
    expect(await cancelled).toBeUndefined();

    const exposition = await text();
    for (const outcome of ['served', 'timeout', 'cancelled']) {
      expect(sample(exposition, 'llstream_held_request_outcomes_total', { stream: 's', outcome })).toBe(1);
    }
  });

  it("drops a stream's store series when the store drops the stream, and readers draining afterwards do not bring them back", async () => {
    store.close();
    store = new SegmentStore({ holdTimeout: 50, streamIdleTimeout: 100, sweepInterval: 60_000 }, metrics);
    metrics.readGaugesFrom(store);
    for (const name of ['s', 't']) {
      store.putManifest(name, 'manifest.mpd', prepareManifest(liveManifest()));
      store.beginSegment(name, segmentName(1)).append(Buffer.from('x'));
    }
    const segment = store.stream('s')!.segment(segmentName(1))!;
    const lagging = segment.createReader();
    lagging.pause();
    segment.append(Buffer.from('y'));
    await store.stream('s')!.waitForSegment(segmentName(2)); // a timeout outcome
    expect(await text()).toContain('stream="s"');

    // 's' goes silent for longer than streamIdleTimeout; 't' keeps publishing.
    await sleep(120);
    store.stream('t')!.segment(segmentName(1))!.append(Buffer.from('z'));
    store.sweep();
    expect(store.stream('s')).toBeUndefined();
    // Its upload was aborted; the lagging reader still takes the bytes that arrived.
    lagging.on('data', () => undefined).on('error', () => undefined);
    lagging.resume();
    await sleep(10);

    const exposition = await text();
    expect(exposition).not.toContain('stream="s"');
    expect(sample(exposition, 'llstream_ingest_bytes_total', { stream: 't', rendition: 'v' })).toBe(2);
    expect(sample(exposition, 'llstream_open_readers', { stream: 't' })).toBe(0);
  });

  it('records ffmpeg restarts, speed and stream state, and forgets them with removeStream', async () => {
    metrics.ffmpegRestarted('s');
    metrics.ffmpegRestarted('s');
    metrics.ffmpegSpeed('s', 1.02);
    metrics.streamState('s', 'starting');
    metrics.streamState('s', 'live');
    metrics.streamState('t', 'error');
    let exposition = await text();
    expect(sample(exposition, 'llstream_ffmpeg_restarts_total', { stream: 's' })).toBe(2);
    expect(sample(exposition, 'llstream_ffmpeg_speed_ratio', { stream: 's' })).toBe(1.02);
    expect(sample(exposition, 'llstream_stream_state', { stream: 's', state: 'live' })).toBe(1);
    for (const state of ['starting', 'offline', 'error']) {
      expect(sample(exposition, 'llstream_stream_state', { stream: 's', state })).toBe(0);
    }
    expect(() => metrics.ffmpegSpeed('s', Number.NaN)).toThrow(/speed of s must be a finite number >= 0, got NaN/);
    expect(() => metrics.ffmpegSpeed('s', -1)).toThrow(RangeError);

    metrics.removeStream('s');
    exposition = await text();
    expect(exposition).not.toContain('stream="s"');
    expect(sample(exposition, 'llstream_stream_state', { stream: 't', state: 'error' })).toBe(1);
  });

  it('counts 404s by kind, with every kind present from the start', async () => {
    metrics.notFound('segment');
    const exposition = await text();
    expect(sample(exposition, 'llstream_playback_not_found_total', { kind: 'segment' })).toBe(1);
    expect(sample(exposition, 'llstream_playback_not_found_total', { kind: 'stream' })).toBe(0);
    expect(sample(exposition, 'llstream_playback_not_found_total', { kind: 'manifest' })).toBe(0);
  });

  it('includes the process metrics by default, shared by every instance in the process', async () => {
    const first = new OriginMetrics();
    const second = new OriginMetrics();
    for (const instance of [first, second]) {
      const exposition = await instance.expose();
      expect(sample(exposition, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(sample(exposition, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(exposition).toContain('# TYPE llstream_chunk_fanout_delay_seconds histogram');
    }
    expect(sample(await text(), 'process_cpu_seconds_total')).toBeUndefined();
  });
});
