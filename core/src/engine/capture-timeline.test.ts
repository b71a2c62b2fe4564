import { describe, expect, it } from 'vitest';
import { CaptureTimeline } from './capture-timeline.js';

describe('CaptureTimeline', () => {
  const base = 1_795_420_000_000;

  it("answers a frame with its chunk's capture time, and between chunks on the line through them", () => {
    const timeline = new CaptureTimeline();
    expect(timeline.at(1)).toBeNull();
    // An encoder at 0.9x real time: each frame entered later than the last by more than a frame.
    for (let frame = 0; frame <= 60; frame += 1) timeline.add(frame / 30, base + (frame / 30 / 0.9) * 1000);
    expect(timeline.at(1)).toBeCloseTo(base + (1 / 0.9) * 1000, 6);
    expect(timeline.at(1.01)).toBeCloseTo(base + (1.01 / 0.9) * 1000, 6);
  });

  it('reaches a second past the newest point, one second of media per second, and nothing before the oldest', () => {
    const timeline = new CaptureTimeline();
    timeline.add(10, base);
    timeline.add(11, base + 1000);
    expect(timeline.at(11.5)).toBe(base + 1500);
    expect(timeline.at(12.5)).toBeNull();
    expect(timeline.at(9.9)).toBeNull();
  });

  it('ignores repeated points and starts over when the media timeline restarts', () => {
    const timeline = new CaptureTimeline();
    timeline.add(100, base);
    timeline.add(100, base + 999);
    timeline.add(99.5, base + 999);
    expect(timeline.at(100)).toBe(base);
    // A new publish: media time from 0 again.
    timeline.add(0, base + 60_000);
    expect(timeline.at(100)).toBeNull();
    expect(timeline.at(0.5)).toBe(base + 60_500);
  });
});
