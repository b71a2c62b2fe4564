import { describe, expect, it } from 'vitest';
import { AbrController } from './abr.js';
import { CatchUpController, DEFAULT_CATCH_UP } from './catch-up.js';
import { ClockSync } from './clock-sync.js';
import { LiveControlLoop } from './live-control.js';
import { DeliveryTracker, DEFAULT_AUTO_TARGET } from './target-latency.js';

const step = (c: CatchUpController, latency: number, bufferAhead = 1, bufferFloor = 0.05, targetLatency = 0.3) =>
  c.update({ latency, targetLatency, bufferAhead, bufferFloor, dt: 0.05 });

describe('CatchUpController', () => {
  it('leaves the rate at 1 inside the dead band', () => {
    const c = new CatchUpController();
    for (let i = 0; i < 100; i++) expect(step(c, 0.3 + DEFAULT_CATCH_UP.deadBand * 0.9)).toBe(1);
  });

  it('speeds up when behind and slows down when ahead, within the bounds and the slew limit', () => {
    const c = new CatchUpController();
    const rates = Array.from({ length: 100 }, () => step(c, 3));
    expect(rates[0]).toBeLessThanOrEqual(1 + DEFAULT_CATCH_UP.slewRate * 0.05 + DEFAULT_CATCH_UP.rateStep);
    expect(Math.max(...rates)).toBe(DEFAULT_CATCH_UP.maxPlaybackRate);
    const slow = new CatchUpController();
    const low = Array.from({ length: 100 }, () => step(slow, 0.1));
    expect(Math.min(...low)).toBe(DEFAULT_CATCH_UP.minPlaybackRate);
  });

  it('once correcting, goes on until latency is within a quarter of the dead band of the target', () => {
    const c = new CatchUpController();
    let latency = 0.3 + DEFAULT_CATCH_UP.deadBand + 0.01;
    let rate = 1;
    for (let i = 0; i < 400; i++) {
      rate = step(c, latency);
      latency += (1 - rate) * 0.05; // latency grows by (1 − rate) per second of playback
    }
    expect(rate).toBe(1);
    expect(Math.abs(latency - 0.3)).toBeLessThanOrEqual(DEFAULT_CATCH_UP.deadBand / 4 + 0.001);
  });

  it('quantises the rate to its step', () => {
    const c = new CatchUpController();
    for (let i = 0; i < 50; i++) {
      const rate = step(c, 0.3 + 0.1 * Math.sin(i));
      expect(Math.abs(rate * 100 - Math.round(rate * 100))).toBeLessThan(1e-9);
    }
  });

  it('slows below 1 when the buffer ahead is under the floor, even far behind the target', () => {
    const c = new CatchUpController();
    let rate = 1;
    for (let i = 0; i < 40; i++) rate = step(c, 2, 0.01, 0.1);
    expect(rate).toBeLessThan(1);
    expect(rate).toBeGreaterThanOrEqual(DEFAULT_CATCH_UP.minPlaybackRate);
  });
});

describe('ClockSync', () => {
  it('takes the offset at the middle of the round trip, with half the round trip as uncertainty', () => {
    const sync = new ClockSync();
    sync.add({ sentAt: 1000, receivedAt: 1020, serverTime: 5010, resolution: 1 });
    expect(sync.offset).toBeCloseTo(5010.5 - 1010, 6);
    expect(sync.uncertainty).toBeCloseTo(10.5, 6);
  });

  it('prefers the exchange with the shortest round trip', () => {
    const sync = new ClockSync();
    sync.add({ sentAt: 0, receivedAt: 300, serverTime: 1250, resolution: 1 });
    sync.add({ sentAt: 1000, receivedAt: 1004, serverTime: 2002, resolution: 1 });
    expect(sync.offset).toBeCloseTo(2002.5 - 1002, 6);
    expect(sync.uncertainty).toBeCloseTo(2.5, 6);
  });

  it('has no offset before an exchange, ignores impossible ones, and widens the uncertainty for whole-second sources', () => {
    const sync = new ClockSync();
    expect(sync.offset).toBeNull();
    sync.add({ sentAt: 10, receivedAt: 5, serverTime: 0, resolution: 1 });
    sync.add({ sentAt: 0, receivedAt: 10, serverTime: Number.NaN, resolution: 1 });
    expect(sync.offset).toBeNull();
    sync.add({ sentAt: 0, receivedAt: 10, serverTime: 3000, resolution: 1000 });
    expect(sync.uncertainty).toBe(505);
  });
});

describe('DeliveryTracker', () => {
  it('walks the target down to what delivery needs once it has been steady, and raises it after a stall', () => {
    const tracker = new DeliveryTracker();
    expect(tracker.update(0)).toBe(DEFAULT_AUTO_TARGET.initialLatency);
    let learned = 0;
    for (let t = 0; t <= 20; t += 0.05) {
      tracker.addEdgeLatency(t, 0.08 + 0.04 * (Math.round(t * 20) % 2));
      learned = tracker.update(t);
      // Two seconds of delivery give a first estimate; the target holds for steadyAfter more.
      if (t <= 2 + DEFAULT_AUTO_TARGET.steadyAfter) expect(learned).toBe(DEFAULT_AUTO_TARGET.initialLatency);
    }
    // Edge latency p99 0.12 s, plus its jitter, plus the browser's renderer reserve.
    expect(learned).toBeGreaterThan(0.12 + DEFAULT_AUTO_TARGET.rendererReserve);
    expect(learned).toBeLessThan(0.25 + DEFAULT_AUTO_TARGET.rendererReserve);
    tracker.addStall(20.1);
    expect(tracker.update(20.2)).toBeCloseTo(learned + DEFAULT_AUTO_TARGET.stallPenalty, 2);
  });

  it('takes late chunks for jitter, but not the steady climb of a bandwidth shortfall', () => {
    // Chunks every 40 ms, one in ten 300 ms late: the buffer must cover 0.3 s.
    const jittery = new DeliveryTracker();
    for (let t = 0; t <= 6; t += 0.02) jittery.addEdgeLatency(t, 0.1 + (Math.floor(t / 0.04) % 10 === 0 ? 0.3 : t % 0.04));
    expect(jittery.bufferFloor - DEFAULT_AUTO_TARGET.rendererReserve).toBeGreaterThan(0.25);
    // The edge latency climbing 0.5 s per second (throughput two thirds of the bitrate): a
    // backlog, which a larger buffer does not help with. Its floor is half a second of climb.
    const short = new DeliveryTracker();
    for (let t = 0; t <= 6; t += 0.02) short.addEdgeLatency(t, 0.1 + 0.5 * t + (t % 0.04));
    expect(short.bufferFloor - DEFAULT_AUTO_TARGET.rendererReserve).toBeLessThan(0.3);
    // The target still follows the climb: latency cannot be lower than the media's age.
    expect(short.update(6)).toBeGreaterThan(3);
  });

  it('lets the target fall only slowly, and only after steady delivery', () => {
    const tracker = new DeliveryTracker();
    for (let t = 0; t <= 3; t += 0.05) tracker.addEdgeLatency(t, 1);
    const high = tracker.update(3);
    let atSix = high;
    let later = high;
    for (let t = 3; t <= 12; t += 0.05) {
      tracker.addEdgeLatency(t, 0.05);
      later = tracker.update(t);
      if (t < 6) atSix = later;
    }
    // While the window still holds the slow deliveries the target stays up.
    expect(atSix).toBeGreaterThanOrEqual(high);
    // Then it falls, but a few seconds later it is still well above what delivery now needs (~0.1 s).
    expect(later).toBeLessThan(atSix);
    expect(later).toBeGreaterThan(0.2);
  });
});

describe('AbrController', () => {
  const ladder = [
    { id: 'low', bandwidth: 250_000 },
    { id: 'mid', bandwidth: 1_000_000 },
    { id: 'high', bandwidth: 2_500_000 },
  ];

  it('starts on the lowest rendition without a measurement, then picks what the throughput carries', () => {
    const abr = new AbrController();
    expect(abr.choose({ now: 0, renditions: ladder, current: null, otherBandwidth: 128_000 })).toBe('low');
    abr.addThroughput(10_000_000, 1);
    expect(abr.choose({ now: 0, renditions: ladder, current: null, otherBandwidth: 128_000 })).toBe('high');
  });

  it('switches down at once and up only after the hold, one rung at a time', () => {
    const abr = new AbrController();
    for (let i = 0; i < 10; i++) abr.addThroughput(800_000, 1);
    expect(abr.choose({ now: 0, renditions: ladder, current: 'high', otherBandwidth: 128_000 })).toBe('low');
    for (let i = 0; i < 30; i++) abr.addThroughput(10_000_000, 1);
    expect(abr.choose({ now: 1, renditions: ladder, current: 'low', otherBandwidth: 128_000 })).toBe('low');
    expect(abr.choose({ now: 6, renditions: ladder, current: 'low', otherBandwidth: 128_000 })).toBe('mid');
  });

  it('does not switch up within the hold after a stall', () => {
    const abr = new AbrController();
    for (let i = 0; i < 30; i++) abr.addThroughput(10_000_000, 1);
    abr.addStall(0);
    expect(abr.choose({ now: 1, renditions: ladder, current: 'low', otherBandwidth: 0 })).toBe('low');
    expect(abr.choose({ now: 6, renditions: ladder, current: 'low', otherBandwidth: 0 })).toBe('low');
  });
});

describe('LiveControlLoop', () => {
  /** Ticks every 50 ms from `from` to `to` seconds with latency growing 1 s per second (nothing plays); returns the seeks. */
  function runStuck(loop: LiveControlLoop, waiting: boolean, from: number, to: number, latencyAt: (t: number) => number) {
    const seeks: { at: number; by: number }[] = [];
    for (let t = from; t <= to + 1e-9; t += 0.05) {
      const decision = loop.tick({ now: t, latency: latencyAt(t), bufferAhead: 0.1, playing: false, waiting, renditions: [], autoQuality: false, otherBandwidth: 0 });
      if (decision.seekBy !== null) seeks.push({ at: t, by: decision.seekBy });
    }
    return seeks;
  }

  it('jumps to the target when a stall does not end by itself, after 3 s of waiting, and again if it stays stuck', () => {
    const loop = new LiveControlLoop(1);
    const seeks = runStuck(loop, true, 0, 7, (t) => 1 + t);
    expect(seeks).toHaveLength(2);
    // Within a tick (50 ms) of 3 s of waiting, then of 3 s after the first jump.
    expect(seeks[0]!.at).toBeGreaterThanOrEqual(3 - 1e-6);
    expect(seeks[0]!.at).toBeLessThan(3.1);
    expect(seeks[1]!.at - seeks[0]!.at).toBeGreaterThanOrEqual(3 - 1e-6);
    expect(seeks[1]!.at - seeks[0]!.at).toBeLessThan(3.1);
    // The jump lands on the target: the latency over it, as filtered at that moment.
    expect(seeks[0]!.by).toBeGreaterThan(2.5);
    expect(seeks[0]!.by).toBeLessThan(3.1);
  });

  it('does not jump while paused, nor while a stall is within maxDrift of the target', () => {
    expect(runStuck(new LiveControlLoop(1), false, 0, 10, (t) => 1 + t)).toEqual([]);
    expect(runStuck(new LiveControlLoop(1), true, 0, 10, () => 2.4)).toEqual([]);
  });
});
