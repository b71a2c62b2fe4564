import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp, parseWebVtt, WebVttError, WebVttStreamReader } from '../src/index.js';

describe('parseTimestamp', () => {
  it('reads mm:ss.ttt and hh:mm:ss.ttt in seconds', () => {
    expect(parseTimestamp('00:02.300')).toBe(2.3);
    expect(parseTimestamp('01:02:03.004')).toBeCloseTo(3723.004, 9);
    expect(parseTimestamp('100:00:00.000')).toBe(360_000);
  });

  it('rejects anything else', () => {
    for (const bad of ['2.3', '00:02,300', '00:60.000', '0:02.300', '00:02.30', '']) expect(parseTimestamp(bad)).toBeUndefined();
  });

  it('formats back', () => {
    expect(formatTimestamp(3723.004)).toBe('01:02:03.004');
  });
});

describe('parseWebVtt', () => {
  it('reads cues with identifiers, settings and multi-line text, skipping NOTE blocks; STYLE goes to the header', () => {
    const doc = parseWebVtt(
      [
        '\uFEFFWEBVTT - a title',
        'Kind: captions',
        '',
        'STYLE',
        '::cue { color: yellow }',
        '',
        'NOTE this is a comment',
        'over two lines',
        '',
        'intro',
        '00:00.500 --> 00:01.200 line:0 position:20%',
        'first line',
        'second <i>line</i>',
        '',
        '',
        '00:01:02.000 --> 00:01:03.500',
        'later',
        '',
      ].join('\r\n'),
    );
    expect(doc.header).toBe('WEBVTT - a title\nKind: captions\n\nSTYLE\n::cue { color: yellow }');
    expect(doc.cues).toEqual([
      { start: 0.5, end: 1.2, text: 'first line\nsecond <i>line</i>', id: 'intro', settings: 'line:0 position:20%' },
      { start: 62, end: 63.5, text: 'later', id: undefined, settings: undefined },
    ]);
  });

  const problem = (text: string): WebVttError => {
    try {
      parseWebVtt(text, 'subs/en.vtt');
    } catch (error) {
      if (error instanceof WebVttError) return error;
      throw error;
    }
    throw new Error('no error');
  };

  it('names the file and line of a missing signature', () => {
    const error = problem('1\n00:00:01,000 --> 00:00:02,000\nan SRT file\n');
    expect(error.line).toBe(1);
    expect(error.message).toBe('subs/en.vtt:line 1: a WebVTT file must start with "WEBVTT", got "1"');
  });

  it('names the line of a malformed timestamp', () => {
    const error = problem('WEBVTT\n\n00:01.000 --> 00:02.000\nfine\n\n00:03,000 --> 00:04.000\ncomma\n');
    expect(error.line).toBe(6);
    expect(error.message).toContain('invalid cue start time "00:03,000"');
  });

  it('names the line of a cue that ends before it starts', () => {
    const error = problem('WEBVTT\n\n00:05.000 --> 00:04.000\nbackwards\n');
    expect(error.line).toBe(3);
    expect(error.message).toContain('cue end 00:04.000 is not after its start 00:05.000');
  });

  it('names the line of a block that is not a cue and of a missing blank line', () => {
    expect(problem('WEBVTT\n\njust some text\nmore text\n').line).toBe(4);
    const merged = problem('WEBVTT\n\n00:01.000 --> 00:02.000\none\n00:02.000 --> 00:03.000\ntwo\n');
    expect(merged.line).toBe(5);
    expect(merged.message).toContain('is a blank line missing');
  });

  it('rejects STYLE after the first cue', () => {
    expect(problem('WEBVTT\n\n00:01.000 --> 00:02.000\none\n\nSTYLE\n::cue {}\n').message).toContain('line 6: STYLE blocks must come before the first cue');
  });
});

describe('WebVttStreamReader', () => {
  it('hands out each cue as soon as ffmpeg has written it (one piece per cue, blank line before)', () => {
    const reader = new WebVttStreamReader();
    expect(reader.push('WEBVTT\n')).toEqual({ cues: [], errors: [] });
    expect(reader.push('\n00:00.500 --> 00:01.200\nfirst cue\n').cues).toEqual([{ start: 0.5, end: 1.2, text: 'first cue', id: undefined, settings: undefined }]);
    expect(reader.push(Buffer.from('\nc2\n00:02.300 --> 00:03.700 align:end\nsecond cue\ntwo lines\n')).cues).toEqual([
      { start: 2.3, end: 3.7, text: 'second cue\ntwo lines', id: 'c2', settings: 'align:end' },
    ]);
  });

  it('waits for the line break of a piece that stops mid-line, and decodes UTF-8 split across pieces', () => {
    const reader = new WebVttStreamReader();
    reader.push('WEBVTT\n');
    const bytes = Buffer.from('\n00:01.000 --> 00:02.000\nüber\n');
    const cut = bytes.indexOf(Buffer.from('ü')) + 1;
    expect(reader.push(bytes.subarray(0, cut)).cues).toEqual([]);
    expect(reader.push(bytes.subarray(cut)).cues).toEqual([expect.objectContaining({ text: 'über' })]);
  });

  it('adds text lines that arrive in a later piece to the cue already handed out', () => {
    const reader = new WebVttStreamReader();
    reader.push('WEBVTT\n');
    const [cue] = reader.push('\n00:01.000 --> 00:02.000\nline one\n').cues;
    expect(reader.push('line two\n').cues).toEqual([]);
    expect(cue?.text).toBe('line one\nline two');
    expect(reader.push('\n00:03.000 --> 00:04.000\nnext\n').cues.map((c) => c.text)).toEqual(['next']);
    expect(cue?.text).toBe('line one\nline two');
  });

  it('reports a malformed block with its line and keeps reading', () => {
    const reader = new WebVttStreamReader('demo/s2');
    reader.push('WEBVTT\n');
    const bad = reader.push('\n00:01.000 --> nonsense\nx\n');
    expect(bad.cues).toEqual([]);
    expect(bad.errors.map((e) => e.message)).toEqual(['demo/s2:line 3: invalid cue end time "nonsense" (expected mm:ss.ttt or hh:mm:ss.ttt)']);
    expect(reader.push('\n00:05.000 --> 00:06.000\nok\n').cues.map((c) => c.text)).toEqual(['ok']);
  });

  it('drops a line that never ends instead of holding it', () => {
    const reader = new WebVttStreamReader();
    reader.push('WEBVTT\n');
    expect(reader.push('x'.repeat(70_000)).errors[0]?.message).toContain('line longer than 65536 characters');
    expect(reader.push('\n00:01.000 --> 00:02.000\nok\n').cues.map((c) => c.text)).toEqual(['ok']);
  });

  it('reports a document that does not start with WEBVTT', () => {
    expect(new WebVttStreamReader().push('garbage\n').errors[0]?.line).toBe(1);
  });
});
