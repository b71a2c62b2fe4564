import { describe, expect, it } from 'vitest';
import { mediaTimescale, PrftRewriter } from '../src/packaging/prft-rewriter.js';

const NTP_UNIX_OFFSET = 2_208_988_800;

function box(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A prft box as ffmpeg writes it: version 1, flags 0, track 1, NTP of its own clock, media time in ticks. */
function prft(mediaTicks: number, version: 0 | 1 = 1): Buffer {
  const body = Buffer.alloc(version === 1 ? 24 : 20);
  body[0] = version;
  body.writeUInt32BE(1, 4);
  body.writeUInt32BE(3_900_000_000, 8); // some NTP second of the muxer's own clock
  body.writeUInt32BE(12345, 12);
  if (version === 1) body.writeBigUInt64BE(BigInt(mediaTicks), 16);
  else body.writeUInt32BE(mediaTicks, 16);
  return box('prft', body);
}

/** Reads a prft box back: flags, NTP as ms since the Unix epoch, media ticks. */
function readPrft(bytes: Buffer): { flags: number; ntpMs: number; mediaTicks: number } {
  const at = bytes.indexOf('prft', 0, 'latin1') - 4;
  const seconds = bytes.readUInt32BE(at + 16) - NTP_UNIX_OFFSET;
  const fraction = bytes.readUInt32BE(at + 20) / 2 ** 32;
  const version = bytes[at + 8];
  return {
    flags: bytes.readUIntBE(at + 9, 3),
    ntpMs: Math.round((seconds + fraction) * 1000),
    mediaTicks: version === 1 ? Number(bytes.readBigUInt64BE(at + 24)) : bytes.readUInt32BE(at + 24),
  };
}

describe('mediaTimescale', () => {
  it("reads the track's mdhd timescale, version 0 and 1", () => {
    const v0 = Buffer.alloc(24);
    v0.writeUInt32BE(15360, 12);
    const v1 = Buffer.alloc(36);
    v1[0] = 1;
    v1.writeUInt32BE(48000, 20);
    expect(mediaTimescale(Buffer.concat([box('ftyp', Buffer.alloc(8)), box('moov', box('mdhd', v0))]))).toBe(15360);
    expect(mediaTimescale(box('moov', box('mdhd', v1)))).toBe(48000);
    expect(mediaTimescale(box('moov', Buffer.alloc(16)))).toBeUndefined();
  });
});

describe('PrftRewriter', () => {
  const capture = 1_795_420_000_000;
  /** The frame at media time t was captured at capture + t seconds + 7 ms. */
  const rewriter = () => new PrftRewriter({ timescale: 15360, captureAt: (t) => capture + Math.round(t * 1000) + 7 });
  const segment = Buffer.concat([
    box('styp', Buffer.from('msdh\0\0\0\0msdhmsix')),
    prft(15360),
    box('moof', Buffer.alloc(100, 1)),
    box('mdat', Buffer.alloc(3000, 2)),
    prft(15872, 0),
    box('moof', Buffer.alloc(100, 3)),
    box('mdat', Buffer.alloc(2000, 4)),
  ]);

  it("states each prft's capture time and flags it captured, the other bytes untouched, however the upload is cut", () => {
    for (const piece of [segment.length, 1, 7, 13, 33, 100, 4096]) {
      const r = rewriter();
      const out: Buffer[] = [];
      for (let at = 0; at < segment.length; at += piece) out.push(...r.push(segment.subarray(at, at + piece)));
      out.push(...r.end());
      const result = Buffer.concat(out);
      expect(result.length, `pieces of ${piece}`).toBe(segment.length);
      const first = readPrft(result);
      expect(first).toEqual({ flags: 24, ntpMs: capture + 1000 + 7, mediaTicks: 15360 });
      const secondAt = result.indexOf('prft', result.indexOf('prft', 0, 'latin1') + 4, 'latin1') - 4;
      expect(readPrft(result.subarray(secondAt))).toEqual({ flags: 24, ntpMs: capture + Math.round((15872 / 15360) * 1000) + 7, mediaTicks: 15872 });
      // Everything but the two NTP timestamps and flags is as it came.
      const masked = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        for (const at of [copy.indexOf('prft', 0, 'latin1') - 4, secondAt]) copy.fill(0, at + 9, at + 24);
        return copy;
      };
      expect(masked(result).equals(masked(segment))).toBe(true);
    }
  });

  it('passes boxes with a 64-bit size and a box to the end of the segment through', () => {
    const large = Buffer.alloc(16 + 40, 5);
    large.writeUInt32BE(1, 0);
    large.write('mdat', 4, 'latin1');
    large.writeBigUInt64BE(BigInt(large.length), 8);
    const toEnd = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from('mdat', 'latin1'), Buffer.alloc(50, 6), prft(99)]);
    const r = rewriter();
    const out = Buffer.concat([...r.push(Buffer.concat([large, prft(15360)])), ...r.push(toEnd), ...r.end()]);
    expect(readPrft(out.subarray(large.length)).ntpMs).toBe(capture + 1000 + 7);
    // The prft inside the size-0 box is data, not a box: untouched.
    expect(out.subarray(out.length - toEnd.length).equals(toEnd)).toBe(true);
  });

  it("relabels a prft whose capture time it cannot state as the encoder's, and gives back what is held at the end", () => {
    const r = new PrftRewriter({ timescale: 15360, captureAt: () => undefined });
    const out = Buffer.concat([...r.push(prft(15360).subarray(0, 20)), ...r.end()]);
    expect(out.equals(prft(15360).subarray(0, 20))).toBe(true);
    const captured = prft(15360);
    captured.writeUIntBE(24, 9, 3); // ffmpeg calls its write time captured
    for (const options of [{ timescale: 15360, captureAt: () => undefined }, { timescale: undefined, captureAt: () => 1 }]) {
      const relabelled = Buffer.concat(new PrftRewriter(options).push(captured));
      expect(readPrft(relabelled)).toMatchObject({ flags: 0, mediaTicks: 15360 });
      expect(relabelled.subarray(16, 24).equals(captured.subarray(16, 24))).toBe(true);
    }
  });
});
