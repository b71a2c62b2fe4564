import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { prepareManifest } from '../src/packaging/manifest.js';
import { StoreLimitError } from '../src/store/live-stream.js';
import type { Segment } from '../src/store/segment.js';
import { SegmentStore, type SegmentStoreOptions } from '../src/store/segment-store.js';
import { liveManifest, segmentName } from './helpers.js';

describe('SegmentStore memory bounds', () => {
  let store: SegmentStore;
  /** Every segment the test started, to sum what the store really holds. */
  let started: Segment[];
  const open = (options: SegmentStoreOptions = {}): void => {
    store?.close();
    store = new SegmentStore(options);
    started = [];
  };
  beforeEach(() => {
    vi.useFakeTimers();
    open();
  });
  afterEach(() => {
    store.close();
    vi.useRealTimers();
  });

  const begin = (stream: string, name: string): Segment => {
    const segment = store.beginSegment(stream, name);
    started.push(segment);
    return segment;
  };
  const publish = (stream: string, name: string, bytes: number, finish = true): Segment => {
    const segment = begin(stream, name);
    segment.append(Buffer.alloc(bytes));
    if (finish) segment.finish();
    return segment;
  };
  const manifest = (stream: string, options: Parameters<typeof liveManifest>[0] = {}): void =>
    store.putManifest(stream, 'manifest.mpd', prepareManifest(liveManifest(options)));
  /** Bytes of the segments `stream` still stores, summed segment by segment. */
  const held = (stream: string): number =>
    started.filter((s) => store.stream(stream)?.segment(s.name) === s).reduce((sum, s) => sum + s.byteLength, 0);
  const refusal = (action: () => unknown): StoreLimitError => {
    try {
      action();
    } catch (error) {
      if (error instanceof StoreLimitError) return error;
      throw error;
    }
    throw new Error('expected a StoreLimitError');
  };

  describe('maxUnreferencedSegments', () => {
    it('refuses a new unreferenced upload only when uploads in progress fill the bound', () => {
      open({ maxUnreferencedSegments: 3 });
      manifest('s');
      const uploads = [1, 2, 3].map((n) => publish('s', `junk-${n}.m4s`, 10, false));
      const error = refusal(() => begin('s', 'junk-4.m4s'));
      expect(error).toMatchObject({ bound: 'maxUnreferencedSegments', limit: 3, stream: 's', segmentName: 'junk-4.m4s' });
      expect(error.message).toContain('maxUnreferencedSegments');
      expect(store.stream('s')!.segment('junk-4.m4s')).toBeUndefined();
      // Referenced uploads are not counted.
      publish('s', segmentName(1), 10);

      uploads[0]!.finish();
      publish('s', 'junk-4.m4s', 10);
      const stats = store.stream('s')!.stats();
      expect(stats.unreferencedSegments).toBe(3);
      expect(store.stream('s')!.segment('junk-1.m4s')).toBeUndefined();
      expect(uploads[1]!.state).toBe('uploading');
    });

    it('makes room by evicting the oldest settled ones: a publisher restart never blocks the new run', () => {
      open({ maxUnreferencedSegments: 4 });
      manifest('s', { tag: 'old' });
      publish('s', 'init-old-v.m4s', 10);
      for (let n = 1; n <= 6; n += 1) publish('s', segmentName(n, 'old'), 10);
      // The new run's first uploads come before its manifest.
      publish('s', 'init-new-v.m4s', 10);
      publish('s', segmentName(1, 'new'), 10, false);
      manifest('s', { tag: 'new' });
      const stream = store.stream('s')!;
      expect(stream.stats().unreferencedSegments).toBe(4);
      expect(stream.segment('init-old-v.m4s')).toBeUndefined();
      expect(stream.segment(segmentName(6, 'old'))).toBeDefined();

      for (let n = 1; n <= 20; n += 1) publish('s', `junk-${n}.m4s`, 10);
      expect(stream.stats().unreferencedSegments).toBe(4);
      expect(stream.segment('junk-20.m4s')).toBeDefined();
      expect(stream.segment('junk-16.m4s')).toBeUndefined();
      expect(stream.segment('init-new-v.m4s')).toBeDefined();
      expect(stream.segment(segmentName(1, 'new'))?.state).toBe('uploading');
    });
  });

  describe('maxUnreferencedBytes', () => {
    it('evicts the oldest settled unreferenced segments to make room for a growing one', () => {
      open({ maxUnreferencedBytes: 100 });
      manifest('s');
      publish('s', 'a.m4s', 60);
      publish('s', 'b.m4s', 30);
      const c = publish('s', 'c.m4s', 20, false);
      const stream = store.stream('s')!;
      expect(stream.segment('a.m4s')).toBeUndefined();
      expect(stream.segment('b.m4s')).toBeDefined();
      expect(stream.stats()).toMatchObject({ unreferencedSegments: 2, unreferencedBytes: 50, bytes: 50 });
      c.append(Buffer.alloc(50));
      expect(stream.stats().unreferencedBytes).toBe(100);
    });

    it('refuses what cannot be made room for, and disturbs nothing else', () => {
      open({ maxUnreferencedBytes: 100 });
      manifest('s');
      publish('s', segmentName(1), 500);
      const settled = publish('s', 'b.m4s', 30);
      const growing = publish('s', 'd.m4s', 60, false);
      const other = publish('s', 'e.m4s', 10, false);
      const error = refusal(() => other.append(Buffer.alloc(31)));
      expect(error).toMatchObject({ bound: 'maxUnreferencedBytes', limit: 100, tooLarge: false });
      const stream = store.stream('s')!;
      expect(other.state).toBe('aborted');
      expect(stream.segment('e.m4s')).toBeUndefined();
      expect(stream.segment('b.m4s')).toBe(settled);
      expect(growing.state).toBe('uploading');
      expect(stream.stats()).toMatchObject({ unreferencedBytes: 90, bytes: 590 });

      // Alone larger than the bound: no room would ever do.
      const huge = refusal(() => growing.append(Buffer.alloc(41)));
      expect(huge).toMatchObject({ bound: 'maxUnreferencedBytes', tooLarge: true });
      expect(stream.segment('b.m4s')).toBe(settled);
      expect(stream.stats()).toMatchObject({ unreferencedBytes: 30, bytes: 530 });
    });
  });

  it('maxStreamBytes: refuses and drops the upload that would grow its stream past the bound; other streams go on', () => {
    open({ maxStreamBytes: 1000 });
    manifest('s', { timeShiftBufferDepth: 'PT60S' });
    for (let n = 1; n <= 3; n += 1) publish('s', segmentName(n), 300);
    const fourth = publish('s', segmentName(4), 50, false);
    const error = refusal(() => fourth.append(Buffer.alloc(60)));
    expect(error).toMatchObject({ bound: 'maxStreamBytes', limit: 1000, stream: 's', segmentName: segmentName(4), tooLarge: false });
    const stream = store.stream('s')!;
    expect(fourth.state).toBe('aborted');
    expect(stream.segment(segmentName(4))).toBeUndefined();
    expect(stream.segment(segmentName(1))?.state).toBe('complete');
    expect(stream.stats().bytes).toBe(900);
    publish('t', segmentName(1), 1000);
    expect(store.bytes).toBe(1900);
  });

  it('maxStoreBytes: bounds all streams together', () => {
    open({ maxStoreBytes: 1000 });
    publish('a', 'init-run1-v.m4s', 600);
    const upload = publish('b', 'init-run1-v.m4s', 300, false);
    const error = refusal(() => upload.append(Buffer.alloc(101)));
    expect(error).toMatchObject({ bound: 'maxStoreBytes', limit: 1000, stream: 'b' });
    expect(store.bytes).toBe(600);
    expect(store.stream('b')!.stats().bytes).toBe(0);
    // Room comes back as streams leave.
    store.delete('a', 'init-run1-v.m4s');
    publish('b', 'init-run1-v.m4s', 1000);
    expect(store.bytes).toBe(1000);
  });

  it('keeps its byte totals exact through every way a segment leaves', () => {
    open({ maxUnreferencedSegments: 3, maxUnreferencedBytes: 100, streamIdleTimeout: 10_000 });
    const check = (): void => {
      const streams = [...store.streams()];
      for (const stream of streams) {
        expect(stream.stats().bytes).toBe(held(stream.name));
        expect(stream.bytes).toBe(held(stream.name));
      }
      expect(store.bytes).toBe(streams.reduce((sum, stream) => sum + held(stream.name), 0));
    };
    manifest('s');
    publish('s', 'init-run1-v.m4s', 7);
    for (let n = 1; n <= 20; n += 1) publish('s', segmentName(n), 11); // window eviction
    check();
    publish('s', segmentName(20), 13); // replacement of a settled segment
    const replaced = publish('s', segmentName(21), 5, false);
    publish('s', segmentName(21), 6); // replacement of an upload in progress
    expect(replaced.state).toBe('aborted');
    check();
    store.delete('s', segmentName(19)); // delete
    const discarded = publish('s', segmentName(22), 9, false);
    store.discard('s', discarded); // discard
    const aborted = publish('s', segmentName(23), 4, false);
    aborted.abort(); // broken off: stays, counted, until the window passes
    check();
    for (let n = 1; n <= 6; n += 1) publish('s', `junk-${n}.m4s`, 30); // make room (count and bytes)
    check();
    refusal(() => publish('s', 'junk-huge.m4s', 101)); // refused
    check();
    manifest('s', { tag: 'run2' }); // a new run: everything becomes unreferenced and is trimmed to the bounds
    check();
    vi.advanceTimersByTime(8 * 1000 + 1);
    store.sweep(); // retention of unreferenced segments
    expect(store.stream('s')!.stats().unreferencedSegments).toBe(0);
    check();
    publish('t', 'init-run1-v.m4s', 17, false);
    check();
    vi.advanceTimersByTime(10_001);
    store.sweep(); // idle streams dropped
    expect(store.stream('s')).toBeUndefined();
    expect(store.bytes).toBe(0);

    publish('u', 'init-run1-v.m4s', 17, false);
    expect(store.bytes).toBe(17);
    store.close();
    expect(store.bytes).toBe(0);
  });
});
