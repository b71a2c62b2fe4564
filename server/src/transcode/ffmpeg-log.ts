import type { Logger } from 'pino';

/** Options of {@link FfmpegLog}. */
export interface FfmpegLogOptions {
  /**
   * Lines logged per second at most; the rest are counted and reported in
   * one line when the second is over.
   * @defaultValue 20
   */
  maxLinesPerSecond?: number;
  /**
   * Longest line kept, characters; the rest of a longer line is dropped.
   * @defaultValue 1000
   */
  maxLineLength?: number;
  /**
   * Last lines remembered for the exit report.
   * @defaultValue 10
   */
  tailLines?: number;
  /**
   * Called with every complete stderr line (at most `maxLineLength`
   * characters), before levels and rate limits: for lines the origin reads
   * as data, such as the test pattern's capture times.
   */
  onLine?: (line: string) => void;
  /** Secrets replaced by `***` in every line before anything else sees it (ffmpeg may print an input URL with its password). */
  redact?: readonly string[] | undefined;
}

const LEVEL = /\[(trace|debug|verbose|info|warning|error|fatal|panic)\] /;

/**
 * Messages ffmpeg 5.1 prints at warning or error level that are expected
 * with the origin's HTTP output, logged at debug. "Cannot use rename": the
 * dash muxer cannot write-then-rename over HTTP; the origin swaps manifests
 * atomically instead. "No trailing CRLF": the ingest credential reaches
 * ffmpeg as a header in a preset file on a file descriptor (never in the
 * command line), and a preset line cannot end in CR LF; ffmpeg adds it.
 */
const EXPECTED = [/Cannot use rename on non file protocol/, /No trailing CRLF found in HTTP header/];

/**
 * Turns ffmpeg's stderr (started with `-loglevel level+info`) into log
 * records: warnings and errors at warn, the rest at debug. Memory is bounded
 * whatever ffmpeg writes: one partial line of at most `maxLineLength`, a
 * fixed tail, and a per-second rate limit.
 */
export class FfmpegLog {
  #logger: Logger;
  #maxLinesPerSecond: number;
  #maxLineLength: number;
  #tailLines: number;
  #onLine: ((line: string) => void) | undefined;
  #redact: readonly string[];
  #partial = '';
  #partialOverflow = false;
  #tail: string[] = [];
  #windowStart = 0;
  #linesInWindow = 0;
  #suppressed = 0;
  #suppressedWarnings = 0;

  constructor(logger: Logger, options: FfmpegLogOptions = {}) {
    this.#logger = logger;
    this.#maxLinesPerSecond = options.maxLinesPerSecond ?? 20;
    this.#maxLineLength = options.maxLineLength ?? 1000;
    this.#tailLines = options.tailLines ?? 10;
    this.#onLine = options.onLine;
    this.#redact = (options.redact ?? []).filter((secret) => secret !== '');
  }

  /** The last lines seen, oldest first. */
  get tail(): readonly string[] {
    return this.#tail;
  }

  /** Feeds a chunk of stderr output. */
  write(chunk: Buffer | string): void {
    const lines = (this.#partial + chunk.toString()).split(/\r\n|\r|\n/);
    let rest = lines.pop() ?? '';
    for (const line of lines) {
      if (this.#partialOverflow) {
        this.#partialOverflow = false;
      } else if (line.trim() !== '') {
        this.#line(line.slice(0, this.#maxLineLength));
      }
    }
    if (rest.length > this.#maxLineLength) {
      if (!this.#partialOverflow) this.#line(rest.slice(0, this.#maxLineLength));
      this.#partialOverflow = true;
      rest = '';
    }
    this.#partial = rest;
  }

  /** Logs a pending partial line and any count of suppressed lines (call when ffmpeg exits). */
  flush(): void {
    if (this.#partial.trim() !== '' && !this.#partialOverflow) this.#line(this.#partial);
    this.#partial = '';
    this.#partialOverflow = false;
    this.#reportSuppressed();
  }

  #line(raw: string): void {
    const line = this.#redact.reduce((text, secret) => text.split(secret).join('***'), raw);
    this.#onLine?.(line);
    this.#tail.push(line);
    if (this.#tail.length > this.#tailLines) this.#tail.shift();

    const level = LEVEL.exec(line)?.[1];
    const warning =
      (level === 'warning' || level === 'error' || level === 'fatal' || level === 'panic') &&
      !EXPECTED.some((expected) => expected.test(line));
    // Lines below the logger's level cost nothing and count against no limit.
    if (!warning && !this.#logger.isLevelEnabled('debug')) return;

    const now = performance.now();
    if (now - this.#windowStart >= 1000) {
      this.#reportSuppressed();
      this.#windowStart = now;
      this.#linesInWindow = 0;
    }
    if (this.#linesInWindow >= this.#maxLinesPerSecond) {
      this.#suppressed += 1;
      if (warning) this.#suppressedWarnings += 1;
      return;
    }
    this.#linesInWindow += 1;
    if (warning) this.#logger.warn({ line }, 'ffmpeg');
    else this.#logger.debug({ line }, 'ffmpeg');
  }

  #reportSuppressed(): void {
    if (this.#suppressed === 0) return;
    const record = { suppressed: this.#suppressed, warnings: this.#suppressedWarnings };
    const message = 'ffmpeg stderr lines suppressed (rate limit)';
    if (this.#suppressedWarnings > 0) this.#logger.warn(record, message);
    else this.#logger.debug(record, message);
    this.#suppressed = 0;
    this.#suppressedWarnings = 0;
  }
}
