/** Instance name of the transcoder's `showinfo` filter whose lines {@link FrameReports} reads. */
export const FRAME_REPORT_FILTER = 'frames';

/** The `start:` of ffmpeg's `Input #0` block: the input's start time ffmpeg subtracts from every timestamp, seconds. */
const INPUT_START = /^(?:\[info\] )?\s+Duration: [^,]+, start: (-?\d+(?:\.\d+)?),/;
const CONFIG = new RegExp(`^\\[showinfo@${FRAME_REPORT_FILTER} @ [^\\]]+\\] (?:\\[info\\] )?config in time_base: (\\d+)/(\\d+)`);
const FRAME = new RegExp(`^\\[showinfo@${FRAME_REPORT_FILTER} @ [^\\]]+\\] (?:\\[info\\] )?n:\\s*(\\d+) pts:\\s*(-?\\d+) `);

/** Where one frame sits: on the output's media timeline, and on the source's own. */
export interface FrameReport {
  /** Presentation time of the frame on the output's (the MPD's) timeline, seconds. */
  mediaTime: number;
  /** The frame's timestamp as the source sent it (the feed's FLV timestamps, the MPEG-TS PTS), ms. */
  sourceTime: number;
}

/**
 * Reads a transcoder's stderr (`-loglevel level+info`) for where each video
 * frame sits: `showinfo@frames` at the head of the video filter chain prints
 * every decoded frame's pts (in the time base its `config in` line states),
 * and the `Input #0` block the start time ffmpeg took off the input's
 * timestamps. A frame's source timestamp is its pts plus that start; its
 * media time on the output is its pts less the first frame's, because the
 * DASH muxer starts each track at 0 from its first sample (checked with
 * ffmpeg 5.1: audio and video both at 0 whatever their input start).
 * One instance per ffmpeg run.
 */
export class FrameReports {
  #start: number | undefined;
  #timebase: number | undefined;
  #firstPts: number | undefined;

  /** @returns the frame a line reports, or undefined for any other line (or before the start and time base are known). */
  read(line: string): FrameReport | undefined {
    const start = INPUT_START.exec(line);
    if (start !== null) {
      this.#start ??= Number(start[1]);
      return undefined;
    }
    const config = CONFIG.exec(line);
    if (config !== null) {
      const [numerator, denominator] = [Number(config[1]), Number(config[2])];
      if (numerator > 0 && denominator > 0) this.#timebase = numerator / denominator;
      return undefined;
    }
    const frame = FRAME.exec(line);
    if (frame === null || this.#timebase === undefined || this.#start === undefined) return undefined;
    const pts = Number(frame[2]);
    this.#firstPts ??= pts;
    return { mediaTime: (pts - this.#firstPts) * this.#timebase, sourceTime: (pts * this.#timebase + this.#start) * 1000 };
  }
}
