import { describe, expect, it } from 'vitest';
import { packedLanguage, segmentSamples, wvttInitSegment, wvttMediaSegment, type SubtitleCue } from '../src/index.js';
import { boxes, parseWvtt } from './subtitles-helpers.js';

const cue = (start: number, end: number, text: string, extra: Partial<SubtitleCue> = {}): SubtitleCue => ({ start, end, text, ...extra });

describe('wvttInitSegment', () => {
  it('writes ftyp and a moov with one text track: wvtt sample entry with vttC, mdhd timescale and language', () => {
    const init = wvttInitSegment({ timescale: 1000, language: 'eng', header: 'WEBVTT\n\nSTYLE\n::cue { color: yellow }' });
    const parsed = parseWvtt(init);
    expect(parsed.boxTypes).toEqual(['ftyp', 'moov']);
    expect(parsed.codec).toBe('wvtt');
    expect(parsed.handler).toBe('text');
    expect(parsed.timescale).toBe(1000);
    expect(parsed.language).toBe('eng');
    expect(parsed.config).toBe('WEBVTT\n\nSTYLE\n::cue { color: yellow }');
    const moov = boxes(init).find((box) => box.type === 'moov')!;
    expect(boxes(moov.body).map((box) => box.type)).toEqual(['mvhd', 'trak', 'mvex']);
    const ftyp = boxes(init)[0]!;
    expect(Buffer.from(ftyp.body).toString('latin1')).toContain('cwvt');
  });

  it('puts und into mdhd for a language that is not three ISO 639-2 letters', () => {
    expect(parseWvtt(wvttInitSegment({ timescale: 90_000, language: 'pt-BR' })).language).toBe('und');
    expect(packedLanguage('eng')).toBe(((5 << 10) | (14 << 5) | 7) & 0x7fff);
  });

  it('rejects a timescale that is not a positive integer', () => {
    expect(() => wvttInitSegment({ timescale: 0, language: 'eng' })).toThrow(RangeError);
    expect(() => wvttInitSegment({ timescale: 1.5, language: 'eng' })).toThrow(/positive 32-bit integer/);
  });
});

describe('wvttMediaSegment', () => {
  const init = wvttInitSegment({ timescale: 1000, language: 'eng' });

  it('writes moof (mfhd, tfdt, trun) + mdat whose samples read back as vttc/payl with iden and sttg, or vtte', () => {
    const segment = wvttMediaSegment({
      sequenceNumber: 7,
      baseMediaDecodeTime: 6000,
      samples: [
        { duration: 500, cues: [] },
        { duration: 300, cues: [cue(6.5, 6.8, 'Hello <i>world</i>', { id: 'c1', settings: 'line:0 align:start' }), cue(6.5, 7.2, 'Zweite Zeile — ünïcödé')] },
        { duration: 200, cues: [cue(6.5, 7.2, 'Zweite Zeile — ünïcödé')] },
      ],
    });
    expect(boxes(segment).map((box) => box.type)).toEqual(['moof', 'mdat']);
    const parsed = parseWvtt(init, segment);
    expect(parsed.sequenceNumbers).toEqual([7]);
    expect(parsed.baseMediaDecodeTimes).toEqual([6000]);
    expect(parsed.samples.map(({ dts, duration, isSync, boxTypes }) => ({ dts, duration, isSync, boxTypes }))).toEqual([
      { dts: 6000, duration: 500, isSync: true, boxTypes: ['vtte'] },
      { dts: 6500, duration: 300, isSync: true, boxTypes: ['vttc', 'vttc'] },
      { dts: 6800, duration: 200, isSync: true, boxTypes: ['vttc'] },
    ]);
    expect(parsed.samples[1]!.cues).toEqual([
      { payl: 'Hello <i>world</i>', iden: 'c1', sttg: 'line:0 align:start' },
      { payl: 'Zweite Zeile — ünïcödé', iden: undefined, sttg: undefined },
    ]);
  });

  it('keeps decode times past 2^32 ticks (tfdt version 1)', () => {
    const late = 2 ** 33 + 5;
    const parsed = parseWvtt(init, wvttMediaSegment({ sequenceNumber: 1, baseMediaDecodeTime: late, samples: [{ duration: 1000, cues: [] }] }));
    expect(parsed.baseMediaDecodeTimes).toEqual([late]);
  });

  it('rejects a segment without samples or with a non-positive duration', () => {
    expect(() => wvttMediaSegment({ sequenceNumber: 1, baseMediaDecodeTime: 0, samples: [] })).toThrow(RangeError);
    expect(() => wvttMediaSegment({ sequenceNumber: 1, baseMediaDecodeTime: 0, samples: [{ duration: 0, cues: [] }] })).toThrow(/positive integers/);
  });
});

describe('segmentSamples', () => {
  const second = (index: number): { start: number; end: number; timescale: number } => ({ start: index * 1000, end: (index + 1) * 1000, timescale: 1000 });

  it('is one empty sample for a segment without cues', () => {
    expect(segmentSamples([cue(0.2, 0.4, 'before'), cue(3, 4, 'after')], second(1))).toEqual([{ duration: 1000, cues: [] }]);
  });

  it('splits at cue boundaries and covers the whole segment', () => {
    const a = cue(1.2, 1.5, 'a');
    const b = cue(1.4, 1.7, 'b');
    const samples = segmentSamples([a, b], second(1));
    expect(samples).toEqual([
      { duration: 200, cues: [] },
      { duration: 200, cues: [a] },
      { duration: 100, cues: [a, b] },
      { duration: 200, cues: [b] },
      { duration: 300, cues: [] },
    ]);
    expect(samples.reduce((sum, s) => sum + s.duration, 0)).toBe(1000);
  });

  it('carries a cue that spans a boundary in both segments, each with its part', () => {
    const spanning = cue(2.3, 3.7, 'spans');
    expect(segmentSamples([spanning], second(2))).toEqual([
      { duration: 300, cues: [] },
      { duration: 700, cues: [spanning] },
    ]);
    expect(segmentSamples([spanning], second(3))).toEqual([
      { duration: 700, cues: [spanning] },
      { duration: 300, cues: [] },
    ]);
  });

  it('orders cues shown together by start time, then file order', () => {
    const late = cue(0.5, 0.9, 'late');
    const early = cue(0.1, 0.9, 'early');
    const same = cue(0.5, 0.9, 'same start, later in file');
    expect(segmentSamples([late, early, same], second(0)).find((s) => s.cues.length === 3)?.cues).toEqual([early, late, same]);
  });

  it('applies the presentation time offset and another timescale', () => {
    const c = cue(1, 1.5, 'x');
    expect(segmentSamples([c], { start: 90_000 + 90_000, end: 90_000 + 180_000, timescale: 90_000, presentationTimeOffset: 90_000 })).toEqual([
      { duration: 45_000, cues: [c] },
      { duration: 45_000, cues: [] },
    ]);
  });

  it('rejects an empty interval', () => {
    expect(() => segmentSamples([], { start: 5, end: 5, timescale: 1 })).toThrow(RangeError);
  });
});
