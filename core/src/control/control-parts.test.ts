import { describe, expect, it } from 'vitest';
import { AbrController } from './abr.js';
import { CatchUpController, DEFAULT_CATCH_UP } from './catch-up.js';
import { ClockSync } from './clock-sync.js';
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
  it('sets the target from the edge latency and its spread once two seconds are seen, and raises it after a stall', () => {
    const tracker = new DeliveryTracker();
    expect(tracker.update(0)).toBe(DEFAULT_AUTO_TARGET.initialLatency);
    for (let t = 0; t <= 3; t += 0.05) tracker.addEdgeLatency(t, 0.08 + 0.04 * ((t * 20) % 2 === 0 ? 0 : 1));
    const learned = tracker.update(3);
    expect(learned).toBeGreaterThan(0.12);
    expect(learned).toBeLessThan(0.25);
    tracker.addStall(3.1);
    expect(tracker.update(3.2)).toBeCloseTo(learned + DEFAULT_AUTO_TARGET.stallPenalty, 2);
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
    // While the window still holds the slow deliveries the target stays up (their spread even raises it).
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
