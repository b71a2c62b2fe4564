import { describe, expect, it } from 'vitest';
import { FlvFeed } from '../src/ingest/flv-feed.js';
import { avcLengthSize, publisherCaptureTime, PublisherLead } from '../src/sources/publisher-capture.js';
import { captureLogger } from './helpers.js';
import { withEmulationPrevention } from './media-fixtures.js';

const BPM_TIMESTAMP_UUID = Buffer.from('0aecffe752724e2fa62fd19cd61a93b5', 'hex');

/** An SEI payload size or type: runs of 0xFF, then the rest (H.264 7.3.2.3.1). */
const seiNumber = (value: number): Buffer => Buffer.from([...Array<number>(Math.floor(value / 255)).fill(0xff), value % 255]);

/** One SEI NAL unit with the given messages (`[payloadType, payload]`), as OBS writes its BPM timestamp SEI. */
function seiNal(...messages: Array<[number, Buffer]>): Buffer {
  const rbsp = Buffer.concat([...messages.flatMap(([type, payload]) => [seiNumber(type), seiNumber(payload.length), payload]), Buffer.from([0x80])]);
  return Buffer.concat([Buffer.from([0x06]), withEmulationPrevention(rbsp)]);
}

/** The BPM timestamp SEI payload (OBS `bpm_ts_sei_render`): events CTS (1) and FER (2) as RFC 3339 strings. */
function bpmTimestamps(events: Array<[number, string]>): Buffer {
  return Buffer.concat([
    BPM_TIMESTAMP_UUID,
    Buffer.from([(events.length - 1) & 0x0f]),
    ...events.map(([event, text]) => Buffer.concat([Buffer.from([1, event]), Buffer.from(`${text}\0`, 'latin1')])),
  ]);
}

/** An FLV AVC key frame tag body with these NAL units, each with a `lengthSize`-byte length. */
function avcKeyFrame(nals: Buffer[], lengthSize = 4): Buffer {
  return Buffer.concat([
    Buffer.from([0x17, 1, 0, 0, 0]),
    ...nals.flatMap((nal) => {
      const length = Buffer.alloc(lengthSize);
      length.writeUIntBE(nal.length, 0, lengthSize);
      return [length, nal];
    }),
  ]);
}
const IDR = Buffer.from([0x65, 0x88, 0x84, 0x00, 0x33]);

describe('publisherCaptureTime', () => {
  it("reads the composition time of OBS's BPM timestamp SEI on a key frame", () => {
    const sei = seiNal([5, bpmTimestamps([[1, '2026-12-07T13:45:01.234Z'], [2, '2026-12-07T13:45:01.250Z']])]);
    expect(publisherCaptureTime(avcKeyFrame([sei, IDR]))).toBe(Date.parse('2026-12-07T13:45:01.234Z'));
  });

  it('finds it after other SEI messages (with emulation prevention bytes) and with 2-byte NAL lengths', () => {
    const other = Buffer.concat([Buffer.from('dc45e9bde6d948b7962cd820d923eeef', 'hex'), Buffer.from([0, 0, 1, 0, 0, 0, 7]), Buffer.alloc(300, 0x41)]);
    const sei = seiNal([5, other], [5, bpmTimestamps([[2, '2026-12-07T13:45:01.250Z'], [1, '2026-12-07T13:45:01.200Z']])]);
    expect(publisherCaptureTime(avcKeyFrame([sei, IDR], 2), 2)).toBe(Date.parse('2026-12-07T13:45:01.200Z'));
  });

  it('returns undefined for a frame without it, another UUID, a truncated tag or another codec', () => {
    const foreign = seiNal([5, Buffer.concat([Buffer.alloc(16, 0x11), Buffer.from([0, 1, 1]), Buffer.from('2026-12-07T13:45:01.234Z\0')])]);
    expect(publisherCaptureTime(avcKeyFrame([IDR]))).toBeUndefined();
    expect(publisherCaptureTime(avcKeyFrame([foreign, IDR]))).toBeUndefined();
    const whole = avcKeyFrame([seiNal([5, bpmTimestamps([[1, '2026-12-07T13:45:01.234Z']])]), IDR]);
    expect(publisherCaptureTime(whole.subarray(0, whole.length - 20))).toBeUndefined();
    expect(publisherCaptureTime(Buffer.concat([Buffer.from([0x1c]), whole.subarray(1)]))).toBeUndefined();
    expect(publisherCaptureTime(avcKeyFrame([seiNal([5, bpmTimestamps([[1, 'not a time']])]), IDR]))).toBeUndefined();
  });

  it("reads the NAL length size from the sequence header's AVCDecoderConfigurationRecord", () => {
    expect(avcLengthSize(Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xfd, 0xe1]))).toBe(2);
    expect(avcLengthSize(Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1]))).toBe(4);
    expect(avcLengthSize(avcKeyFrame([IDR]))).toBeUndefined();
  });
});

describe('PublisherLead', () => {
  it('takes the median of plausible leads and refuses a publisher clock ahead of arrival or seconds behind', () => {
    const lead = new PublisherLead();
    expect(lead.lead).toBe(0);
    for (const value of [40, 44, 90, 42, 41]) expect(lead.add(10_000, 10_000 - value)).toBe(true);
    expect(lead.lead).toBe(42);
    expect(lead.add(10_000, 10_050)).toBe(false);
    expect(lead.add(10_000, 4_000)).toBe(false);
    expect(lead.lead).toBe(42);
    expect(lead.counts).toEqual({ accepted: 5, refused: 2 });
  });
});

describe('FlvFeed with a publisher that states its capture times', () => {
  const AVC_CONFIG = { type: 9, timestamp: 0, data: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1]) };

  /** 30 fps key frames stamped by a publisher whose clock is `offset` ms from the origin's, made 45 ms before they arrive. */
  function publish(offset: number): { feed: FlvFeed; records: Array<Record<string, unknown>> } {
    const { logger, records } = captureLogger('info');
    const wall = { now: 1_800_000_000_000 };
    const feed = new FlvFeed({ stream: 'cam', logger, clock: () => wall.now });
    feed.push(AVC_CONFIG);
    for (let frame = 0; frame < 90; frame += 1) {
      const made = 1_800_000_000_000 + (frame * 1000) / 30;
      wall.now = made + 45;
      const stamp = new Date(Math.round(made + offset)).toISOString();
      feed.push({ type: 9, timestamp: Math.round((frame * 1000) / 30), data: avcKeyFrame([seiNal([5, bpmTimestamps([[1, stamp]])]), IDR]) });
    }
    return { feed, records };
  }

  it('takes the time the publisher spent before sending off the capture clock, and says so once', () => {
    const { feed, records } = publish(0);
    expect(feed.publisherLead).toBeGreaterThanOrEqual(44);
    expect(feed.publisherLead).toBeLessThanOrEqual(46);
    expect(records.filter((r) => String(r.msg).startsWith('publisher states its capture times'))).toHaveLength(1);
  });

  it('ignores stated times from a clock 5 s behind, with one warning naming the stream', () => {
    const { feed, records } = publish(-5000);
    expect(feed.publisherLead).toBe(0);
    expect(records).toEqual([expect.objectContaining({ level: 40, stream: 'cam', msg: expect.stringContaining('disagree with their arrival') })]);
  });
});
