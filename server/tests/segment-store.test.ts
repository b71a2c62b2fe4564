import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { prepareManifest, SegmentStore } from '../src/index.js';
import { liveManifest, segmentName } from './helpers.js';

describe('SegmentStore', () => {
  let store: SegmentStore;
  beforeEach(() => {
    vi.useFakeTimers();
    store = new SegmentStore();
  });
  afterEach(() => {
    store.close();
    vi.useRealTimers();
  });

  const publish = (number: number, options: { finish?: boolean; bytes?: number; tag?: string } = {}): void => {
    const segment = store.beginSegment('s', segmentName(number, options.tag));
    segment.append(Buffer.alloc(options.bytes ?? 10));
    if (options.finish ?? true) segment.finish();
  };

  describe('hold rule', () => {
    beforeEach(() => {
      store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest({ segmentSeconds: 2 })));
      publish(1);
      publish(2, { finish: false });
    });

    it('holds a request for the next segment until its upload starts', async () => {
      const pending = store.stream('s')!.waitForSegment(segmentName(3));
      await vi.advanceTimersByTimeAsync(500);
      publish(3, { finish: false });
      const segment = await pending;
      expect(segment?.name).toBe(segmentName(3));
      expect(segment?.state).toBe('uploading');
    });

    it('answers nothing at once beyond holdAhead (3) segments past the newest started', async () => {
      const stream = store.stream('s')!;
      await expect(stream.waitForSegment(segmentName(6))).resolves.toBeUndefined();
      expect(stream.stats().heldRequests).toBe(0);
      void stream.waitForSegment(segmentName(5));
      expect(stream.stats().heldRequests).toBe(1);
    });

    it('answers nothing at once for a number already passed, another run, or a name no template makes', async () => {
      const stream = store.stream('s')!;
      store.delete('s', segmentName(1));
      await expect(stream.waitForSegment(segmentName(1))).resolves.toBeUndefined();
      await expect(stream.waitForSegment(segmentName(3, 'other-run'))).resolves.toBeUndefined();
      await expect(stream.waitForSegment('init-run1-x.m4s')).resolves.toBeUndefined();
      expect(stream.stats().heldRequests).toBe(0);
    });

    it('gives up after 1.5 segment durations of the manifest (2 s segments: 3 s)', async () => {
      const pending = store.stream('s')!.waitForSegment(segmentName(3));
      let answered = false;
      void pending.then(() => (answered = true));
      await vi.advanceTimersByTimeAsync(2_999);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(pending).resolves.toBeUndefined();
      expect(store.stream('s')!.stats().heldRequests).toBe(0);
    });

    it('uses holdTimeout when given', async () => {
      store.close();
      store = new SegmentStore({ holdTimeout: 100 });
      store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
      publish(1, { finish: false });
      const pending = store.stream('s')!.waitForSegment(segmentName(2));
      await vi.advanceTimersByTimeAsync(100);
      await expect(pending).resolves.toBeUndefined();
    });

    it('stops holding when the client goes away', async () => {
      const clientGone = new AbortController();
      const pending = store.stream('s')!.waitForSegment(segmentName(3), clientGone.signal);
      clientGone.abort();
      await expect(pending).resolves.toBeUndefined();
      expect(store.stream('s')!.stats().heldRequests).toBe(0);
    });
  });

  describe('sliding window', () => {
    it('keeps memory flat over hours of 1 s segments', () => {
      // 5 s time shift buffer + 3 segments margin = 8 media segments.
      store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
      const init = store.beginSegment('s', 'init-run1-v.m4s');
      init.append(Buffer.alloc(800));
      init.finish();
      const segmentBytes = 300_000;
      let maxBytes = 0;
      for (let number = 1; number <= 4 * 3600; number += 1) {
        publish(number, { bytes: segmentBytes, finish: false });
        store.stream('s')!.segment(segmentName(number))!.finish();
        if (number % 60 === 0) store.sweep();
        maxBytes = Math.max(maxBytes, store.stats()[0]!.bytes);
      }
      const stats = store.stats()[0]!;
      expect(stats.windowSegments).toBe(8);
      expect(stats.segments).toBe(9);
      expect(maxBytes).toBeLessThanOrEqual(8 * segmentBytes + 800);
      expect(store.stream('s')!.segment('init-run1-v.m4s')).toBeDefined();
      expect(store.stream('s')!.segment(segmentName(4 * 3600 - 8))).toBeUndefined();
      expect(store.stream('s')!.segment(segmentName(4 * 3600 - 7))).toBeDefined();
    });

    it('never evicts an upload in progress', () => {
      store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
      publish(1, { finish: false });
      for (let number = 2; number <= 30; number += 1) publish(number);
      expect(store.stream('s')!.segment(segmentName(1))?.state).toBe('uploading');
    });

    it('drops what a previous publisher run left once the window has passed over it', async () => {
      store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest({ tag: 'old' })));
      store.beginSegment('s', 'init-old-v.m4s').finish();
      publish(1, { tag: 'old' });
      store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest({ tag: 'new' })));
      publish(1, { tag: 'new' });
      const stream = store.stream('s')!;
      expect(stream.segment(segmentName(1, 'old'))).toBeDefined();
      vi.advanceTimersByTime(8 * 1000 + 1);
      store.sweep();
      expect(stream.segment(segmentName(1, 'old'))).toBeUndefined();
      expect(stream.segment('init-old-v.m4s')).toBeUndefined();
      expect(stream.segment(segmentName(1, 'new'))).toBeDefined();
    });

    it('bounds the window by maxWindowSegments when the manifest sets no time shift buffer', () => {
      store.close();
      store = new SegmentStore({ maxWindowSegments: 4 });
      store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest({ timeShiftBufferDepth: 'PT1H' })));
      for (let number = 1; number <= 20; number += 1) publish(number);
      expect(store.stats()[0]!.segments).toBe(4);
    });
  });

  it('drops a stream whose publisher has been silent for streamIdleTimeout', () => {
    store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest()));
    publish(1, { finish: false });
    const stuck = store.stream('s')!.segment(segmentName(1))!;
    vi.advanceTimersByTime(59_000);
    store.sweep();
    expect(store.stream('s')).toBeDefined();
    vi.advanceTimersByTime(2_000);
    store.sweep();
    expect(store.stream('s')).toBeUndefined();
    expect(stuck.state).toBe('aborted');
  });

  it('keeps a stream whose upload is still receiving bytes', () => {
    publish(1, { finish: false });
    const segment = store.stream('s')!.segment(segmentName(1))!;
    for (let i = 0; i < 10; i += 1) {
      vi.advanceTimersByTime(10_000);
      segment.append(Buffer.alloc(1));
      store.sweep();
    }
    expect(store.stream('s')).toBeDefined();
  });

  it('runs the sweep on its own', () => {
    publish(1);
    vi.advanceTimersByTime(61_000);
    expect(store.stream('s')).toBeUndefined();
  });

  it('replaces a manifest in one step and a re-upload of a segment aborts the old upload', () => {
    store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest({ tag: 'a' })));
    const before = store.stream('s')!.manifest('manifest.mpd');
    store.putManifest('s', 'manifest.mpd', prepareManifest(liveManifest({ tag: 'b' })));
    expect(store.stream('s')!.manifest('manifest.mpd')).not.toBe(before);
    expect(store.stream('s')!.manifest('manifest.mpd')!.render('x')).toContain('init-b-');

    publish(1, { finish: false });
    const first = store.stream('s')!.segment(segmentName(1))!;
    publish(1, { finish: false });
    expect(first.state).toBe('aborted');
  });
});
