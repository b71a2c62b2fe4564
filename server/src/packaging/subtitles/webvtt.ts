import { StringDecoder } from 'node:string_decoder';

/** One WebVTT cue, times on the stream's media timeline. */
export interface SubtitleCue {
  /** Start, seconds. */
  readonly start: number;
  /** End, seconds; after {@link SubtitleCue.start}. */
  readonly end: number;
  /** Cue payload (may hold several lines and WebVTT cue tags such as `<i>`). */
  readonly text: string;
  /** Cue identifier, if the cue has one. */
  readonly id?: string | undefined;
  /** Cue settings as written after the timing (`line:0 position:20%`), if any. */
  readonly settings?: string | undefined;
}

/** A parsed WebVTT document. */
export interface WebVttDocument {
  /**
   * Everything before the first cue that a renderer needs: the `WEBVTT`
   * line, header lines and STYLE/REGION blocks. Carried in the init
   * segment's WebVTTConfigurationBox (ISO/IEC 14496-30, 7.4).
   */
  readonly header: string;
  /** The cues, in file order. */
  readonly cues: SubtitleCue[];
}

/** WebVTT that does not follow the format; the message names the line. */
export class WebVttError extends Error {
  override readonly name = 'WebVttError';
  constructor(
    /** 1-based line number the problem is on. */
    readonly line: number,
    /** What is wrong, without the location. */
    readonly problem: string,
    /** File name (or other source) the text came from, if known. */
    readonly source?: string,
  ) {
    super(`${source === undefined ? '' : `${source}:`}line ${line}: ${problem}`);
  }
}

/** Longest line {@link WebVttStreamReader} waits for the end of, characters. */
const MAX_LINE_LENGTH = 65_536;

const TIMESTAMP = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
const SIGNATURE = /^\uFEFF?WEBVTT(?:[ \t].*)?$/;

/**
 * A WebVTT timestamp (`mm:ss.ttt` or `hh:mm:ss.ttt`, W3C WebVTT 4.2) in seconds.
 * @returns undefined if `text` is not one.
 */
export function parseTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [, hours = '0', minutes = '0', seconds = '0', millis = '0'] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) + Number(millis) / 1000;
}

/** Seconds as a WebVTT timestamp, `hh:mm:ss.ttt`. */
export function formatTimestamp(seconds: number): string {
  const millis = Math.max(0, Math.round(seconds * 1000));
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  return `${pad(Math.floor(millis / 3_600_000), 2)}:${pad(Math.floor(millis / 60_000) % 60, 2)}:${pad(Math.floor(millis / 1000) % 60, 2)}.${pad(millis % 1000, 3)}`;
}

/** The timing line of a cue: `start --> end [settings]`. */
function parseTimingLine(line: string, lineNumber: number, source: string | undefined): Pick<SubtitleCue, 'start' | 'end' | 'settings'> {
  const match = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line.trim());
  if (match === null) {
    throw new WebVttError(lineNumber, `expected a cue timing line like "00:01.000 --> 00:02.500", got ${JSON.stringify(line)}`, source);
  }
  const [, startText = '', endText = '', settings] = match;
  const start = parseTimestamp(startText);
  if (start === undefined) throw new WebVttError(lineNumber, `invalid cue start time ${JSON.stringify(startText)} (expected mm:ss.ttt or hh:mm:ss.ttt)`, source);
  const end = parseTimestamp(endText);
  if (end === undefined) throw new WebVttError(lineNumber, `invalid cue end time ${JSON.stringify(endText)} (expected mm:ss.ttt or hh:mm:ss.ttt)`, source);
  if (end <= start) throw new WebVttError(lineNumber, `cue end ${endText} is not after its start ${startText}`, source);
  const trimmed = settings?.trim();
  return { start, end, settings: trimmed === undefined || trimmed === '' ? undefined : trimmed };
}

/** A block of consecutive non-blank lines and the number of its first line. */
interface Block {
  lines: string[];
  firstLine: number;
}

type BlockResult = { kind: 'cue'; cue: SubtitleCue } | { kind: 'header'; text: string } | { kind: 'comment' };

/**
 * Interprets one block after the header (W3C WebVTT 6.1, simplified: what
 * the spec would silently skip is an error here, so a broken sidecar file is
 * reported rather than shown with cues missing).
 */
function parseBlock(block: Block, seenCue: boolean, source: string | undefined): BlockResult {
  const [first = '', second] = block.lines;
  if (/^NOTE(?:[ \t]|$)/.test(first)) return { kind: 'comment' };
  if (/^(?:STYLE|REGION)[ \t]*$/.test(first) && !first.includes('-->')) {
    if (seenCue) throw new WebVttError(block.firstLine, `${first.trim()} blocks must come before the first cue`, source);
    return { kind: 'header', text: block.lines.join('\n') };
  }
  let timingIndex = 0;
  let id: string | undefined;
  if (!first.includes('-->')) {
    if (second === undefined || !second.includes('-->')) {
      // A first line that starts like a time is a broken timing line, not an identifier.
      const onFirst = second === undefined || /^\s*\d+[:.,]\d/.test(first);
      throw new WebVttError(
        block.firstLine + (onFirst ? 0 : 1),
        `expected a cue timing line like "00:01.000 --> 00:02.500", got ${JSON.stringify(onFirst ? first : second)}`,
        source,
      );
    }
    id = first;
    timingIndex = 1;
  }
  const timing = parseTimingLine(block.lines[timingIndex] ?? '', block.firstLine + timingIndex, source);
  const payload = block.lines.slice(timingIndex + 1);
  const stray = payload.findIndex((line) => line.includes('-->'));
  if (stray !== -1) {
    throw new WebVttError(block.firstLine + timingIndex + 1 + stray, 'cue text must not contain "-->" (is a blank line missing before this cue?)', source);
  }
  return { kind: 'cue', cue: { ...timing, text: payload.join('\n'), id } };
}

/**
 * Parses a whole WebVTT file (a sidecar subtitle file).
 * @param source file name used in error messages.
 * @throws WebVttError naming the line of the first problem: a missing
 *   `WEBVTT` signature, a malformed timing line or timestamp, a cue that
 *   ends before it starts, a STYLE/REGION block after a cue.
 */
export function parseWebVtt(text: string, source?: string): WebVttDocument {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (!SIGNATURE.test(lines[0] ?? '')) {
    throw new WebVttError(1, `a WebVTT file must start with "WEBVTT", got ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`, source);
  }
  const header: string[] = [];
  let index = 0;
  while (index < lines.length && lines[index] !== '') header.push((lines[index++] ?? '').replace(/^\uFEFF/, ''));
  const cues: SubtitleCue[] = [];
  while (index < lines.length) {
    if (lines[index] === '') {
      index += 1;
      continue;
    }
    const block: Block = { lines: [], firstLine: index + 1 };
    while (index < lines.length && lines[index] !== '') block.lines.push(lines[index++] ?? '');
    const result = parseBlock(block, cues.length > 0, source);
    if (result.kind === 'cue') cues.push(result.cue);
    else if (result.kind === 'header') header.push('', result.text);
  }
  return { header: header.join('\n'), cues };
}

/** Whether a block has a line after its timing line. */
function hasCueText(block: Block): boolean {
  const timing = block.lines.findIndex((line) => line.includes('-->'));
  return timing !== -1 && timing < block.lines.length - 1;
}

/**
 * Reads a WebVTT document that arrives in pieces (ffmpeg's `webvtt` muxer
 * writing to an HTTP upload) and hands out each cue as soon as it is
 * complete.
 *
 * The muxer writes a blank line *before* each cue, so by the format alone a
 * cue ends only when the next one starts, which could be minutes later.
 * ffmpeg writes (and with `-flush_packets 1` flushes) each cue in one piece
 * (measured: one upload chunk per cue), so a piece that ends with a line
 * break also ends the cue it completes. Should a cue's text still be split
 * across pieces, the later lines are added to the cue already handed out
 * (segments packaged from then on carry the whole text).
 */
export class WebVttStreamReader {
  #decoder = new StringDecoder('utf8');
  #pending = '';
  #lineNumber = 0;
  #sawSignature = false;
  #sawCue = false;
  #block: Block | undefined;
  /** The last cue handed out while its block may still grow. */
  #open: { cue: { -readonly [K in keyof SubtitleCue]: SubtitleCue[K] }; block: Block } | undefined;
  #source: string | undefined;

  /** @param source name used in error messages (e.g. the upload path). */
  constructor(source?: string) {
    this.#source = source;
  }

  /**
   * Feeds the next piece of the document.
   * @returns the cues completed by it, in order, and the problems found in
   *   it (a missing `WEBVTT` signature, malformed blocks, which are skipped);
   *   the reader stays usable for later blocks either way.
   */
  push(piece: Buffer | string): { cues: SubtitleCue[]; errors: WebVttError[] } {
    this.#pending += typeof piece === 'string' ? piece : this.#decoder.write(piece);
    const lines = this.#pending.replace(/\r\n?/g, '\n').split('\n');
    this.#pending = lines.pop() ?? '';
    const cues: SubtitleCue[] = [];
    const errors: WebVttError[] = [];
    if (this.#pending.length > MAX_LINE_LENGTH) {
      // Not WebVTT from ffmpeg: do not hold an endless line in memory.
      errors.push(new WebVttError(this.#lineNumber + 1, `line longer than ${MAX_LINE_LENGTH} characters, dropped`, this.#source));
      this.#pending = '';
    }
    const collect = (step: () => SubtitleCue | undefined): void => {
      try {
        const cue = step();
        if (cue !== undefined) cues.push(cue);
      } catch (error) {
        if (!(error instanceof WebVttError)) throw error;
        errors.push(error);
      }
    };
    for (const line of lines) collect(() => this.#line(line));
    // The piece ended on a line break (and no character is half-decoded):
    // an open cue block with text is complete. One without text yet is not.
    const last = typeof piece === 'string' ? piece.charCodeAt(piece.length - 1) : piece[piece.length - 1];
    const block = this.#block;
    if (this.#pending === '' && (last === 0x0a || last === 0x0d) && block !== undefined && hasCueText(block)) collect(() => this.#endBlock());
    return { cues, errors };
  }

  #line(line: string): SubtitleCue | undefined {
    this.#lineNumber += 1;
    if (!this.#sawSignature) {
      if (!SIGNATURE.test(line)) {
        throw new WebVttError(this.#lineNumber, `a WebVTT document must start with "WEBVTT", got ${JSON.stringify(line.slice(0, 40))}`, this.#source);
      }
      this.#sawSignature = true;
      // Header lines up to the first blank line are not cues.
      this.#block = { lines: [], firstLine: -1 };
      return undefined;
    }
    if (line === '') {
      this.#open = undefined;
      return this.#endBlock();
    }
    if (this.#block === undefined && this.#open !== undefined && !line.includes('-->')) {
      // A cue's later lines in a later piece: still part of that cue.
      this.#open.cue.text = this.#open.cue.text === '' ? line : `${this.#open.cue.text}\n${line}`;
      return undefined;
    }
    this.#open = undefined;
    this.#block ??= { lines: [], firstLine: this.#lineNumber };
    this.#block.lines.push(line);
    return undefined;
  }

  #endBlock(): SubtitleCue | undefined {
    const block = this.#block;
    this.#block = undefined;
    if (block === undefined || block.firstLine === -1 || block.lines.length === 0) return undefined;
    const result = parseBlock(block, this.#sawCue, this.#source);
    // STYLE/REGION after the header cannot reach a player any more: the
    // init segment is already out. Comments are not shown.
    if (result.kind !== 'cue') return undefined;
    this.#sawCue = true;
    const cue = { ...result.cue };
    this.#open = { cue, block };
    return cue;
  }
}
