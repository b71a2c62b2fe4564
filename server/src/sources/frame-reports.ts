/** Instance name of the transcoder's `showinfo` filter whose lines {@link FrameReports} reads. */
export const FRAME_REPORT_FILTER = 'frames';

/** The `start:` of ffmpeg's `Input #0` block: the input's start time ffmpeg subtracts from every timestamp, seconds. */
const INPUT_START = /^(?:\[info\] )?\s+Duration: [^,]+, start: (-?\d+(?:\.\d+)?),/;
/** The `Input #0, {format}, from '...'` line: the demuxer's name (a list for some, e.g. `mov,mp4,m4a,...`). */
const INPUT_FORMAT = /^(?:\[info\] )?Input #0, (.+), from '/;
const CONFIG = new RegExp(
  `^\\[showinfo@${FRAME_REPORT_FILTER} @ [^\\]]+\\] (?:\\[info\\] )?config in time_base: (\\d+)/(\\d+)(?:, frame_rate: (\\d+)/(\\d+))?`,
);
const FRAME = new RegExp(`^\\[showinfo@${FRAME_REPORT_FILTER} @ [^\\]]+\\] (?:\\[info\\] )?n:\\s*(\\d+) pts:\\s*(-?\\d+) `);

/** Where one frame sits: on the output's media timeline, and on the source's own. */
export interface FrameReport {
  /** Presentation time of the frame on the output's (the MPD's) timeline, seconds. */
  mediaTime: number;
  /** The frame's timestamp as the source sent it (the feed's FLV timestamps, the MPEG-TS PTS), ms. */
  sourceTime: number;
}

/** Options of {@link FrameReports}. */
export interface FrameReportsOptions {
  /**
   * The output's frame rate when the transcoder sets one (`transcode.fps`:
   * an `fps` filter after `showinfo@frames`), frames per second.
   * @defaultValue the rate `showinfo@frames` states for its input
   */
  frameRate?: number | undefined;
}

/**
 * Reads a transcoder's stderr (`-loglevel level+info`) for where each video
 * frame sits: `showinfo@frames` at the head of the video filter chain prints
 * every decoded frame's pts (in the time base its `config in` line states),
 * and the `Input #0` block the start time ffmpeg took off the input's
 * timestamps. A frame's source timestamp is its pts plus that start.
 *
 * Its media time on the output is that pts on the output's frame grid: the
 * encoder runs at a constant frame rate from 0 (ffmpeg's `-vsync cfr`, the
 * default for DASH), so each frame goes to the grid slot nearest its pts,
 * and a first frame later than 0 is repeated back to 0. That is the case
 * whenever ffmpeg drops what it read while analysing a live input
 * (`-fflags nobuffer`): the first decoded frame of a pulled stream sits
 * about a second in (ffmpeg 5.1, checked with the frame counts it reports,
 * `dup=31`). Counting from the first decoded frame instead put every
 * capture time of a pulled live URL a second late. Without a frame rate
 * (none stated, variable-rate input) the pts itself is used.
 * One instance per ffmpeg run.
 */
export class FrameReports {
  #start: number | undefined;
  #format: string | undefined;
  #timebase: number | undefined;
  #frameRate: number | undefined;
  readonly #outputFrameRate: number | undefined;

  constructor(options: FrameReportsOptions = {}) {
    this.#outputFrameRate = options.frameRate;
  }

  /** The input's demuxer as ffmpeg names it (`mpegts`, `flv`, `mov,mp4,m4a,3gp,3g2,mj2`...), once its `Input #0` line was read. */
  get inputFormat(): string | undefined {
    return this.#format;
  }

  /** The frame rate `showinfo@frames` states for the decoded input, frames per second; undefined before it or for a variable rate. */
  get inputFrameRate(): number | undefined {
    return this.#frameRate;
  }

  /** @returns the frame a line reports, or undefined for any other line (or before the start and time base are known). */
  read(line: string): FrameReport | undefined {
    const format = INPUT_FORMAT.exec(line);
    if (format !== null) {
      this.#format ??= format[1];
      return undefined;
    }
    const start = INPUT_START.exec(line);
    if (start !== null) {
      this.#start ??= Number(start[1]);
      return undefined;
    }
    const config = CONFIG.exec(line);
    if (config !== null) {
      const [numerator, denominator] = [Number(config[1]), Number(config[2])];
      if (numerator > 0 && denominator > 0) this.#timebase = numerator / denominator;
      const [rateNumerator, rateDenominator] = [Number(config[3] ?? 0), Number(config[4] ?? 0)];
      this.#frameRate = rateNumerator > 0 && rateDenominator > 0 ? rateNumerator / rateDenominator : undefined;
      return undefined;
    }
    const frame = FRAME.exec(line);
    if (frame === null || this.#timebase === undefined || this.#start === undefined) return undefined;
    const time = Number(frame[2]) * this.#timebase;
    const rate = this.#outputFrameRate ?? this.#frameRate;
    return { mediaTime: rate === undefined ? time : Math.round(time * rate) / rate, sourceTime: (time + this.#start) * 1000 };
  }
}
