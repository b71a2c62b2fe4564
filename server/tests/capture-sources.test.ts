import { describe, expect, it } from 'vitest';
import { TimestampWatch, VideoPtsReader } from '../src/ingest/ts-timestamps.js';
import { ArrivalClock } from '../src/sources/arrival-clock.js';
import { FrameReports } from '../src/sources/frame-reports.js';
import { pesPacket } from './helpers.js';

describe('ArrivalClock', () => {
  const wall = 1_795_420_000_000;

  it('anchors on the earliest arrival: late frames (network, a busy machine) do not move it', () => {
    const clock = new ArrivalClock();
    expect(clock.captureOf(0)).toBeUndefined();
    // Frames every 33 ms, each arriving 20 ms after it was sent plus up to 300 ms of jitter.
    const jitter = [120, 0, 300, 45, 10, 0, 250];
    jitter.forEach((late, frame) => clock.add(frame * 33, wall + frame * 33 + 20 + late));
    expect(clock.captureOf(1000)).toBe(wall + 1000 + 20);
  });

  it('follows a source clock 0.1 % fast or slow within a few ms', () => {
    for (const rate of [1.001, 0.999]) {
      const clock = new ArrivalClock({ window: 10_000 });
      let arrival = 0;
      for (; arrival <= 180_000; arrival += 33) {
        // The source stamps its frames on its own clock, running at `rate`; a third arrive 15 ms late.
        clock.add(arrival * rate, wall + arrival + (arrival % 99 === 0 ? 0 : 15));
      }
      const last = arrival - 33;
      expect(Math.abs(clock.captureOf(last * rate)! - (wall + last)), `rate ${rate}`).toBeLessThan(25);
    }
  });

  it('takes a transport delay off every arrival, and starts over when the timeline goes back', () => {
    const clock = new ArrivalClock({ transportDelay: 120, window: 10_000 });
    clock.add(50_000, wall + 50_120);
    expect(clock.captureOf(50_000)).toBe(wall + 50_000);
    // More than the window back: a new timeline.
    clock.add(0, wall + 90_000);
    expect(clock.captureOf(0)).toBe(wall + 90_000 - 120);
  });
});

describe('FrameReports', () => {
  const showinfo = (n: number, pts: number): string => `[showinfo@frames @ 0x5600] [info] n:${String(n).padStart(4)} pts:${pts} pts_time:7.523 pos:-1 fmt:yuv420p sar:1/1 s:320x240 i:P iskey:1 type:I`;

  it("places each frame on the output's frame grid and on the source's timeline (pts plus ffmpeg's start)", () => {
    const reports = new FrameReports();
    expect(reports.read(showinfo(0, 0))).toBeUndefined();
    expect(reports.read('[info]   Duration: N/A, start: 7.000000, bitrate: N/A')).toBeUndefined();
    expect(reports.read('[showinfo@frames @ 0x5600] [info] config in time_base: 1/1000, frame_rate: 30/1')).toBeUndefined();
    expect(reports.read(showinfo(0, 0))).toEqual({ mediaTime: 0, sourceTime: 7000 });
    // FLV's millisecond timestamps land on the 30 fps grid.
    expect(reports.read(showinfo(1, 33))).toEqual({ mediaTime: 1 / 30, sourceTime: 7033 });
    expect(reports.read(showinfo(2, 67))!.mediaTime).toBe(2 / 30);
    // The start of a later line (another input's) does not change it.
    reports.read('[info]   Duration: N/A, start: 99.000000, bitrate: N/A');
    expect(reports.read(showinfo(3, 100))!.sourceTime).toBe(7100);
  });

  it('keeps the offset of a first frame that is not at 0: the encoder repeats it back to 0', () => {
    // A pulled MPEG-TS input whose first second went to analysis (ffmpeg 5.1: start 1.4 s, the first
    // decoded frame at pts_time 1.021, and the encoder reporting dup=31).
    const reports = new FrameReports();
    reports.read('  Duration: N/A, start: 1.400000, bitrate: N/A');
    reports.read('[showinfo@frames @ 0x1] config in time_base: 1/90000, frame_rate: 30/1');
    const first = reports.read(showinfo(0, 91_920))!;
    expect(first.mediaTime).toBe(31 / 30);
    expect(first.sourceTime).toBeCloseTo(1400 + 91_920 / 90, 6);
    expect(reports.read(showinfo(1, 94_920))!.mediaTime).toBe(32 / 30);
  });

  it("uses the transcoder's own frame rate when it sets one, and the pts when no rate is known", () => {
    const reports = new FrameReports({ frameRate: 25 });
    reports.read('  Duration: N/A, start: 0.000000, bitrate: N/A');
    reports.read('[showinfo@frames @ 0x1] config in time_base: 1/90000, frame_rate: 30/1');
    expect(reports.read(showinfo(4, 12_000))!.mediaTime).toBe(3 / 25); // 0.133 s: the 25 fps slot at 0.12 s
    const unknown = new FrameReports();
    unknown.read('  Duration: N/A, start: 0.000000, bitrate: N/A');
    unknown.read('[showinfo@frames @ 0x1] config in time_base: 1/90000, frame_rate: 0/1');
    expect(unknown.read(showinfo(0, 3_700))!.mediaTime).toBeCloseTo(3_700 / 90_000, 9);
  });

  it("names the input's demuxer and frame rate, for what the demuxer held a frame before its report", () => {
    const reports = new FrameReports();
    expect(reports.inputFormat).toBeUndefined();
    reports.read("[info] Input #0, mpegts, from 'http://127.0.0.1:9000/live.ts':");
    reports.read("[info] Input #1, flv, from 'pipe:3':");
    reports.read('[showinfo@frames @ 0x1] config in time_base: 1/90000, frame_rate: 30000/1001');
    expect(reports.inputFormat).toBe('mpegts');
    expect(reports.inputFrameRate).toBeCloseTo(29.97, 2);
    const mp4 = new FrameReports();
    mp4.read("Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/media/talk.mp4':");
    expect(mp4.inputFormat).toBe('mov,mp4,m4a,3gp,3g2,mj2');
  });
});


describe('TimestampWatch', () => {
  /** 30 fps frames from `pts` at `wall`, `count` of them: returns the first problem. */
  const feed = (watch: TimestampWatch, pts: number, wall: number, count: number, ptsStep = 1000 / 30): string | undefined => {
    for (let k = 0; k < count; k += 1) {
      const problem = watch.add(pts + k * ptsStep, wall + (k * 1000) / 30);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };

  it('passes a live timeline, B-frame reordering, a clock 0.1 % slow, and the backlog of the first seconds', () => {
    const watch = new TimestampWatch();
    // 1 s of backlog at once, then 20 s live with B-frame order (pts 0, 3, 1, 2 frames...).
    expect(feed(watch, 0, 0, 30, 0)).toBeUndefined();
    for (let k = 0; k < 600; k += 1) expect(watch.add(1000 + [0, 3, 1, 2][k % 4]! * 33 + Math.floor(k / 4) * 133.2, 10 + k * 33.37)).toBeUndefined();
  });

  it('names a forward jump, a jump back, and timestamps that stop (or were clamped) while frames come', () => {
    const forward = new TimestampWatch();
    feed(forward, 0, 0, 60);
    expect(forward.add(500_002_000, 2000)).toBe('video timestamps jumped forward 500000.0 s');
    const back = new TimestampWatch();
    feed(back, 3_600_000, 0, 60);
    expect(back.add(0, 2000)).toBe('video timestamps went back 3602.0 s');
    // ffmpeg's relay clamps a jump back: one 90 kHz tick a frame.
    const clamped = new TimestampWatch();
    feed(clamped, 0, 0, 180);
    expect(feed(clamped, 6000, 6000, 120, 1 / 90)).toMatch(/^video timestamps advanced 1\.\d s in \d\.\d s \(stopped, or went back and were clamped\)$/);
  });

  it('does not take frames that stopped coming for seconds (an encoder away, back where its timestamps were) for stopped timestamps', () => {
    const watch = new TimestampWatch();
    feed(watch, 0, 0, 300);
    // 3 s without a frame, then the timeline goes on from where it was.
    expect(feed(watch, 10_000, 13_000, 300)).toBeUndefined();
  });
});

describe('VideoPtsReader', () => {
  it('reads the PTS of video PES starts however the bytes are cut, skipping audio and continuation packets', () => {
    const continuation = Buffer.alloc(188, 0xff);
    continuation[0] = 0x47;
    continuation[3] = 0x10;
    const stream = Buffer.concat([pesPacket(0xe0, 126_000), pesPacket(0xc0, 126_500), continuation, pesPacket(0xe0, 129_000)]);
    for (const piece of [stream.length, 1, 100, 188, 200]) {
      const reader = new VideoPtsReader();
      const found: number[] = [];
      for (let at = 0; at < stream.length; at += piece) found.push(...reader.push(stream.subarray(at, at + piece)));
      expect(found, `pieces of ${piece}`).toEqual([1400, 126_000 / 90 + 3000 / 90]);
    }
  });

  it('unwraps the 33-bit PTS', () => {
    const reader = new VideoPtsReader();
    const near = 2 ** 33 - 9000;
    expect(reader.push(Buffer.concat([pesPacket(0xe0, near), pesPacket(0xe0, 9000)]))).toEqual([near / 90, (2 ** 33 + 9000) / 90]);
  });
});
