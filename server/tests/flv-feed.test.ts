import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FlvFeed, type FlvTagInput } from '../src/ingest/flv-feed.js';
import { captureLogger } from './helpers.js';

/** AMF0 string. */
const amfString = (text: string): Buffer => {
  const length = Buffer.alloc(3);
  length[0] = 2;
  length.writeUInt16BE(text.length, 1);
  return Buffer.concat([length, Buffer.from(text, 'latin1')]);
};
const amfKey = (key: string): Buffer => amfString(key).subarray(1);
const amfNumber = (value: number): Buffer => {
  const number = Buffer.alloc(9);
  number.writeDoubleBE(value, 1);
  return number;
};

/** `@setDataFrame onMetaData {videocodecid: 7, audiocodecid: 10}`, as an RTMP publisher sends it. */
const METADATA: FlvTagInput = {
  type: 18,
  timestamp: 0,
  data: Buffer.concat([
    amfString('@setDataFrame'),
    amfString('onMetaData'),
    Buffer.from([8, 0, 0, 0, 2]),
    amfKey('videocodecid'),
    amfNumber(7),
    amfKey('audiocodecid'),
    amfNumber(10),
    Buffer.from([0, 0, 9]),
  ]),
};
const AVC_CONFIG: FlvTagInput = { type: 9, timestamp: 0, data: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff]) };
const AAC_CONFIG: FlvTagInput = { type: 8, timestamp: 0, data: Buffer.from([0xaf, 0, 0x12, 0x10]) };

/** An H.264 frame: key or inter, with a composition time offset (ms) and a body of `size` bytes. */
function video(timestamp: number, { key = false, cts = 0, size = 100 } = {}): FlvTagInput {
  const data = Buffer.alloc(5 + size, 0xab);
  data[0] = key ? 0x17 : 0x27;
  data[1] = 1;
  data.writeUIntBE(cts, 2, 3);
  return { type: 9, timestamp, data };
}
const audio = (timestamp: number): FlvTagInput => ({ type: 8, timestamp, data: Buffer.concat([Buffer.from([0xaf, 1]), Buffer.alloc(50, 0xcd)]) });

interface Tag {
  type: number;
  timestamp: number;
  body: Buffer;
}

/** Reads an FLV byte stream: its header flags and every tag, checking each PreviousTagSize (so only whole tags parse). */
function readFlv(flv: Buffer): { flags: number; tags: Tag[] } {
  expect(flv.subarray(0, 3).toString()).toBe('FLV');
  let offset = flv.readUInt32BE(5) + 4;
  const tags: Tag[] = [];
  while (offset < flv.length) {
    const size = flv.readUIntBE(offset + 1, 3);
    const timestamp = (flv.readUIntBE(offset + 4, 3) | (flv[offset + 7]! << 24)) >>> 0;
    tags.push({ type: flv[offset]!, timestamp, body: flv.subarray(offset + 11, offset + 11 + size) });
    expect(flv.readUInt32BE(offset + 11 + size)).toBe(11 + size);
    offset += 11 + size + 4;
  }
  expect(offset).toBe(flv.length);
  return { flags: flv[4]!, tags };
}

/** A sink that stays backed up (never completes a write) until released. */
function sink({ stalled = false } = {}): Writable & { bytes(): Buffer; release(): Promise<void> } {
  const chunks: Buffer[] = [];
  const pending: Array<() => void> = [];
  let hold = stalled;
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      if (hold) pending.push(callback);
      else callback();
    },
  });
  return Object.assign(writable, {
    bytes: () => Buffer.concat(chunks),
    async release() {
      hold = false;
      for (const callback of pending.splice(0)) callback();
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
}

const isKey = (tag: Tag): boolean => tag.type === 9 && tag.body[0] === 0x17 && tag.body[1] === 1;
const media = (tags: Tag[], type: number): Tag[] => tags.filter((tag) => tag.type === type && tag.body[1] !== 0);

/** Pushes `seconds` of 25 fps video (a key frame every `gop` frames) and 48 kHz AAC, timestamps from `start`. */
function pushAv(feed: FlvFeed, start: number, seconds: number, { gop = 25, firstKey = true } = {}): void {
  let audioTime = start;
  for (let frame = 0; frame < seconds * 25; frame += 1) {
    const time = start + frame * 40;
    while (audioTime <= time) {
      feed.push(audio(Math.round(audioTime)));
      audioTime += 1024 / 48;
    }
    feed.push(video(time, { key: frame % gop === 0 && (firstKey || frame > 0) }));
  }
}

describe('FlvFeed', () => {
  it('keeps the head (FLV header, onMetaData, sequence headers, first seconds) for probing and replays it to the first sink', async () => {
    const feed = new FlvFeed();
    for (const tag of [METADATA, AVC_CONFIG, AAC_CONFIG]) feed.push(tag);
    pushAv(feed, 0, 2);
    const head = readFlv(await feed.head({ minDuration: 0, minBytes: 0 }));
    expect(head.flags).toBe(5);
    // onMetaData comes first, as in a file (the @setDataFrame wrapper is gone), then the codec configurations.
    expect(head.tags[0]).toMatchObject({ type: 18 });
    expect(head.tags[0]!.body.subarray(0, 13).toString('latin1')).toBe('\x02\x00\x0aonMetaData');
    expect(head.tags.slice(1, 3).map((tag) => [tag.type, tag.body[1]])).toEqual([
      [9, 0],
      [8, 0],
    ]);
    expect(media(head.tags, 9)).toHaveLength(50);
    expect(media(head.tags, 9)[0]).toMatchObject({ timestamp: 1000 });

    const first = sink();
    feed.attach(first);
    pushAv(feed, 2000, 1);
    const written = readFlv(first.bytes());
    expect(written.tags.slice(0, head.tags.length)).toEqual(head.tags);
    expect(media(written.tags, 9)).toHaveLength(75);
    expect(media(written.tags, 9).at(-1)!.timestamp).toBe(1000 + 2960);
    expect(feed.dropped).toBe(0);
  });

  it('gives a re-attached sink the header, onMetaData and sequence headers, then everything from the next key frame', () => {
    const feed = new FlvFeed();
    for (const tag of [METADATA, AVC_CONFIG, AAC_CONFIG]) feed.push(tag);
    feed.attach(sink());
    pushAv(feed, 0, 1.5);
    const restarted = sink();
    feed.attach(restarted);
    // In the order the tracks first came: ffmpeg numbers its streams so, and the transcoder maps those numbers.
    expect(readFlv(restarted.bytes()).tags.map((tag) => tag.type)).toEqual([18, 9, 8]);
    pushAv(feed, 1520, 2, { firstKey: false });
    const { flags, tags } = readFlv(restarted.bytes());
    expect(flags).toBe(5);
    // Sequence headers are stamped at the current position (the last frame, 1480 ms in); onMetaData stays
    // at 0, where ffmpeg reads it as metadata and not as a subtitle packet.
    expect(tags.slice(0, 3).map((tag) => tag.timestamp)).toEqual([0, 2480, 2480]);
    const firstMedia = tags[3]!;
    expect(isKey(firstMedia)).toBe(true);
    expect(firstMedia.timestamp).toBe(1000 + 1520 + 25 * 40);
    expect(tags.slice(4).every((tag) => tag.timestamp >= firstMedia.timestamp - 25)).toBe(true);
    // A restart is not a loss.
    expect(feed.dropped).toBe(0);
  });

  it('replays sequence headers in the order the tracks came, and leaves out script data other than onMetaData', () => {
    const feed = new FlvFeed();
    const cuePoint: FlvTagInput = { type: 18, timestamp: 500, data: Buffer.concat([amfString('onCuePoint'), Buffer.from([3, 0, 0, 9])]) };
    for (const tag of [AAC_CONFIG, METADATA, AVC_CONFIG, cuePoint]) feed.push(tag);
    feed.attach(sink());
    pushAv(feed, 0, 1);
    feed.push({ ...cuePoint, timestamp: 900 });
    const restarted = sink();
    feed.attach(restarted);
    expect(readFlv(restarted.bytes()).tags.map((tag) => [tag.type, tag.body[0]])).toEqual([
      [18, 2],
      [8, 0xaf],
      [9, 0x17],
    ]);
  });

  it('drops whole tags instead of growing when the sink is backed up, and resumes video at a key frame', async () => {
    const maxQueued = 64 * 1024;
    // Tags pushed at once, not in real time: no clock drift to take out (that is tested below with a simulated clock).
    const feed = new FlvFeed({ maxQueued, clockDrift: false });
    for (const tag of [METADATA, AVC_CONFIG, AAC_CONFIG]) feed.push(tag);
    const slow = sink({ stalled: true });
    feed.attach(slow);
    let largest = 0;
    for (let frame = 0; frame < 500; frame += 1) {
      feed.push(video(frame * 40, { key: frame % 25 === 0, size: 10_000 }));
      largest = Math.max(largest, slow.writableLength);
      if (frame === 200) await slow.release();
    }
    expect(largest).toBeLessThanOrEqual(maxQueued + 10_000 + 100);
    // Nearly all of the first 200 frames, and the rest of that GOP; none after it.
    expect(feed.dropped).toBeGreaterThan(150);
    expect(feed.dropped).toBeLessThan(225);
    const tags = media(readFlv(slow.bytes()).tags, 9);
    expect(tags.at(-1)!.timestamp).toBe(1000 + 499 * 40);
    // After every gap, the next frame written is a key frame.
    for (let index = 1; index < tags.length; index += 1) {
      if (tags[index]!.timestamp - tags[index - 1]!.timestamp > 40) expect(isKey(tags[index]!)).toBe(true);
    }
  });

  it('bounds the head: past maxHead tags are dropped and probing does not wait any longer', async () => {
    const feed = new FlvFeed({ maxHead: 100 * 1024 });
    feed.push(AVC_CONFIG);
    for (let frame = 0; frame < 100; frame += 1) feed.push(video(frame * 40, { key: frame % 25 === 0, size: 10_000 }));
    const head = await feed.head({ minDuration: 60_000 });
    expect(head.length).toBeLessThanOrEqual(100 * 1024 + 13);
    expect(feed.dropped).toBeGreaterThan(80);
  });

  describe('timestamp re-anchoring', () => {
    const run = (feedTimeline: (feed: FlvFeed) => void): { feed: FlvFeed; video: number[]; audio: number[]; records: Array<Record<string, unknown>> } => {
      const { logger, records } = captureLogger('warn');
      // Tags pushed at once, not in real time: no clock drift to take out (tested below with a simulated clock).
      const feed = new FlvFeed({ stream: 'cam', logger, clockDrift: false });
      const out = sink();
      feed.attach(out);
      feedTimeline(feed);
      const { tags } = readFlv(out.bytes());
      return { feed, video: media(tags, 9).map((tag) => tag.timestamp), audio: media(tags, 8).map((tag) => tag.timestamp), records };
    };
    const largestStep = (times: number[]): number => Math.max(...times.slice(1).map((time, index) => Math.abs(time - times[index]!)));

    it('continues the timeline one frame after the last when the publisher jumps +500 000 s, and logs it once', () => {
      const { feed, video, audio, records } = run((feed) => {
        pushAv(feed, 0, 2);
        pushAv(feed, 2000 + 500_000_000, 2);
      });
      expect(feed.reanchors).toBe(1);
      expect(largestStep(video)).toBe(40);
      expect(largestStep(audio)).toBeLessThanOrEqual(22);
      // The audio frame that came first after the jump set the offset: video continues within a frame of 40 ms.
      expect(Math.abs(video.at(-1)! - (1000 + 3960))).toBeLessThanOrEqual(40);
      expect(records).toEqual([
        expect.objectContaining({ level: 40, msg: 'RTMP timestamps jumped; timeline re-anchored', stream: 'cam', jumpSeconds: expect.closeTo(500_000, 0) }),
      ]);
      expect(records[0]!.offsetSeconds).toBeCloseTo(1 - 500_000, 0);
    });

    it('re-anchors a backward jump (an encoder restart from 0)', () => {
      const { feed, video, audio } = run((feed) => {
        pushAv(feed, 60_000, 2);
        pushAv(feed, 0, 2);
      });
      expect(feed.reanchors).toBe(1);
      expect(largestStep(video)).toBe(40);
      expect(largestStep(audio)).toBeLessThanOrEqual(22);
      expect(Math.abs(video.at(-1)! - (1000 + 3960))).toBeLessThanOrEqual(40);
    });

    it("re-anchors RTMP's 32-bit wrap", () => {
      const start = 2 ** 32 - 1000;
      const { feed, video: out } = run((feed) => {
        for (let frame = 0; frame < 100; frame += 1) feed.push(video((start + frame * 40) % 2 ** 32, { key: frame % 25 === 0 }));
      });
      expect(feed.reanchors).toBe(1);
      expect(largestStep(out)).toBe(40);
    });

    it('does not re-anchor normal 30 fps steps, B-frame reordering, or muted audio that comes back in step', () => {
      const { feed, video: out } = run((feed) => {
        // 30 fps (33/34 ms steps) with B-frames: DTS rises, PTS (DTS + composition offset) goes back and forth.
        for (let frame = 0; frame < 300; frame += 1) {
          const dts = Math.round((frame * 1000) / 30);
          feed.push(video(dts, { key: frame % 30 === 0, cts: [67, 133, 0, 33][frame % 4]! }));
          if (frame < 60 || frame > 250) feed.push(audio(dts));
        }
      });
      expect(feed.reanchors).toBe(0);
      expect(out).toEqual(Array.from({ length: 300 }, (_, frame) => 1000 + Math.round((frame * 1000) / 30)));
    });
  });

  describe('clock drift', () => {
    /** A deterministic 0-30 ms of network and scheduling delay per message (a linear congruential generator). */
    function jitter(seed: number): () => number {
      let state = seed;
      return () => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
        return (state / 2 ** 31) * 30;
      };
    }

    /**
     * A publisher whose clock runs `rate` times the origin's: 30 fps video and 48 kHz AAC captured
     * in real time on a simulated wall clock (the feed's clock), stamped on the publisher's clock
     * from `start` ms, each message arriving 40 ms plus jitter after its capture.
     * @returns the capture time of the last video frame and its source timestamp
     */
    function publish(feed: FlvFeed, wall: { now: number }, options: { rate: number; seconds: number; start?: number }): { capture: number } {
      const delay = jitter(7);
      const begin = wall.now;
      let audioAt = 0;
      let capture = begin;
      for (let frame = 0; frame < options.seconds * 30; frame += 1) {
        const at = (frame * 1000) / 30;
        while (audioAt <= at) {
          wall.now = begin + audioAt + 40 + delay();
          feed.push(audio((options.start ?? 0) + Math.round(audioAt * options.rate)));
          audioAt += 1024 / 48;
        }
        capture = begin + at;
        wall.now = capture + 40 + delay();
        feed.push(video((options.start ?? 0) + Math.round(at * options.rate), { key: frame % 30 === 0 }));
      }
      wall.now = begin + options.seconds * 1000;
      return { capture };
    }

    function drifting(rate: number, seconds: number) {
      const wall = { now: 1_800_000_000_000 };
      const feed = new FlvFeed({ clock: () => wall.now });
      const out = sink();
      feed.attach(out);
      const { capture } = publish(feed, wall, { rate, seconds });
      const { tags } = readFlv(out.bytes());
      return { feed, capture, video: media(tags, 9).map((tag) => tag.timestamp), audio: media(tags, 8).map((tag) => tag.timestamp) };
    }
    const increasing = (times: number[]): boolean => times.every((time, index) => index === 0 || time > times[index - 1]!);

    it.each([
      ['0.1 % fast', 1.001],
      ['0.1 % slow', 0.999],
    ])('keeps the timeline on the origin clock when the publisher clock runs %s, its capture times true', (_, rate) => {
      const { feed, capture, video, audio } = drifting(rate, 180);
      const span = ((180 * 30 - 1) * 1000) / 30;
      // Uncorrected, the 3 minutes would span 180 ms more (fast) or less (slow) on the timeline.
      expect(Math.abs(video.at(-1)! - video[0]! - span)).toBeLessThan(20);
      expect(feed.driftCorrection).toBeCloseTo(-(rate - 1) * 180_000, -1.5);
      expect(increasing(video)).toBe(true);
      expect(increasing(audio)).toBe(true);
      // The capture clock reads the corrected timestamps: the last frame entered 40 ms after capture.
      expect(Math.abs(feed.arrivals.captureOf(video.at(-1)!)! - (capture + 40))).toBeLessThan(5);
    });

    it('leaves a publisher on time as it is', () => {
      const { feed, video } = drifting(1, 60);
      expect(Math.abs(feed.driftCorrection)).toBeLessThan(2);
      expect(Math.abs(video.at(-1)! - video[0]! - Math.round((60 * 30 - 1) * (1000 / 30)))).toBeLessThanOrEqual(2);
    });

    it('leaves the time an encoder restart was away on the timeline: media time and the capture clock stay true at once', () => {
      const wall = { now: 1_800_000_000_000 };
      const feed = new FlvFeed({ clock: () => wall.now, clockDrift: false });
      const out = sink();
      feed.attach(out);
      publish(feed, wall, { rate: 1, seconds: 20, start: 50_000 });
      const lastBefore = media(readFlv(out.bytes()).tags, 9).at(-1)!.timestamp;
      wall.now += 3000; // Away 3 s, then its clock starts over from 0.
      const { capture } = publish(feed, wall, { rate: 1, seconds: 1 });
      const video = media(readFlv(out.bytes()).tags, 9).map((tag) => tag.timestamp);
      expect(feed.reanchors).toBe(1);
      // The first frame after the restart is about 3 s after the last one before it (it arrived 3 s and a frame later).
      const firstAfter = video[video.indexOf(lastBefore) + 1]!;
      expect(firstAfter - lastBefore).toBeGreaterThan(3000);
      expect(firstAfter - lastBefore).toBeLessThan(3000 + 33 + 40);
      // A second after the restart, within the anchor's 10 s window of the frames before: the capture clock is not 3 s off.
      expect(Math.abs(feed.arrivals.captureOf(video.at(-1)!)! - (capture + 40))).toBeLessThan(35);
    });

    it('names timestamps that stop while frames keep coming, once, and calls for the publisher to be dropped', () => {
      const wall = { now: 1_800_000_000_000 };
      const { logger, records } = captureLogger('warn');
      const problems: string[] = [];
      const feed = new FlvFeed({ clock: () => wall.now, stream: 'cam', logger, onTimestampProblem: (problem) => problems.push(problem) });
      feed.attach(sink());
      publish(feed, wall, { rate: 1, seconds: 10 });
      expect(feed.timestampProblem).toBeUndefined();
      // Frames and audio keep coming in real time, every one stamped 10 s.
      publish(feed, wall, { rate: 0, seconds: 5, start: 10_000 });
      // Judged over 3 s: named once they advanced less than half of it, 1.5 s after they stopped.
      expect(problems).toEqual([expect.stringMatching(/^video timestamps advanced 1\.\d s in [23]\.\d s \(stopped/)]);
      expect(feed.timestampProblem).toBe(problems[0]);
      expect(records).toEqual([expect.objectContaining({ level: 40, msg: 'RTMP timestamps unusable; publisher dropped', stream: 'cam', reason: problems[0] })]);
    });

    it('does not take an encoder away for seconds, back with its timestamps where they were, for stopped timestamps', () => {
      const wall = { now: 1_800_000_000_000 };
      const feed = new FlvFeed({ clock: () => wall.now });
      feed.attach(sink());
      publish(feed, wall, { rate: 1, seconds: 10 });
      wall.now += 3000;
      publish(feed, wall, { rate: 1, seconds: 10, start: 10_000 });
      expect(feed.timestampProblem).toBeUndefined();
      expect(feed.reanchors).toBe(0);
    });

    it('does not take the gap of an encoder restart for drift', () => {
      const wall = { now: 1_800_000_000_000 };
      const feed = new FlvFeed({ clock: () => wall.now, clockDrift: { settle: 3000 } });
      const out = sink();
      feed.attach(out);
      publish(feed, wall, { rate: 1, seconds: 20, start: 50_000 });
      wall.now += 4000; // Offline 4 s, then its clock starts over from 0.
      publish(feed, wall, { rate: 1, seconds: 30 });
      expect(feed.reanchors).toBe(1);
      expect(Math.abs(feed.driftCorrection)).toBeLessThan(2);
      expect(increasing(media(readFlv(out.bytes()).tags, 9).map((tag) => tag.timestamp))).toBe(true);
    });
  });
});
