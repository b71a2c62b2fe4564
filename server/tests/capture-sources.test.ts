import { describe, expect, it } from 'vitest';
import { VideoPtsReader } from '../src/ingest/ts-timestamps.js';
import { ArrivalClock } from '../src/sources/arrival-clock.js';
import { FrameReports } from '../src/sources/frame-reports.js';

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

  it("places each frame on the output timeline (from the first frame) and on the source's (pts plus ffmpeg's start)", () => {
    const reports = new FrameReports();
    expect(reports.read(showinfo(0, 523))).toBeUndefined();
    expect(reports.read('[info]   Duration: N/A, start: 7.000000, bitrate: N/A')).toBeUndefined();
    expect(reports.read('[showinfo@frames @ 0x5600] [info] config in time_base: 1/1000, frame_rate: 30/1')).toBeUndefined();
    expect(reports.read(showinfo(0, 523))).toEqual({ mediaTime: 0, sourceTime: 7523 });
    expect(reports.read(showinfo(1, 556))).toEqual({ mediaTime: 0.033, sourceTime: 7556 });
    // The start of a later line (another input's) does not change it.
    reports.read('[info]   Duration: N/A, start: 99.000000, bitrate: N/A');
    expect(reports.read(showinfo(2, 590))!.sourceTime).toBe(7590);
  });

  it('reads an MPEG-TS time base', () => {
    const reports = new FrameReports();
    reports.read('  Duration: N/A, start: 1.400000, bitrate: N/A');
    reports.read('[showinfo@frames @ 0x1] config in time_base: 1/90000, frame_rate: 25/1');
    expect(reports.read(showinfo(0, 0))).toEqual({ mediaTime: 0, sourceTime: 1400 });
    expect(reports.read(showinfo(1, 3600))!.mediaTime).toBeCloseTo(0.04, 9);
  });
});

/** One TS packet carrying the start of a PES packet of `streamId` with `pts` (90 kHz). */
function pesPacket(streamId: number, pts: number): Buffer {
  const packet = Buffer.alloc(188, 0xff);
  packet[0] = 0x47;
  packet[1] = 0x40 | 0x01; // payload unit start, PID 0x100
  packet[2] = 0x00;
  packet[3] = 0x10; // payload only
  const pes = [0, 0, 1, streamId, 0, 0, 0x80, 0x80, 5];
  pes.forEach((byte, i) => (packet[4 + i] = byte));
  const p = 13;
  packet[p] = 0x21 | ((Math.floor(pts / 2 ** 30) & 0x07) << 1);
  packet[p + 1] = (pts >>> 22) & 0xff;
  packet[p + 2] = (((pts >>> 15) & 0x7f) << 1) | 1;
  packet[p + 3] = (pts >>> 7) & 0xff;
  packet[p + 4] = ((pts & 0x7f) << 1) | 1;
  return packet;
}

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
