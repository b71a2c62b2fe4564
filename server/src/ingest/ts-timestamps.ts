/** MPEG-TS packet size, bytes (ISO/IEC 13818-1, 2.4.3.2). */
const PACKET = 188;
const SYNC = 0x47;
/** PTS are 33-bit counts of a 90 kHz clock. */
const PTS_WRAP = 2 ** 33;

/**
 * Frame intervals ffmpeg's MPEG-TS demuxer holds a live video frame before
 * it hands it on: it completes a PES packet (a video PES has no length)
 * only when the next one starts, and its H.264 parser completes the frame
 * only when it sees the start of the next. Measured through an ffmpeg
 * relay (`-c copy`) on a pipe at 30 fps: a frame's first bytes in to its
 * first bytes out, p50 68 ms.
 */
export const MPEGTS_DEMUX_HOLD_FRAMES = 2;

/**
 * Reads the presentation timestamps of video PES packets (stream ids
 * 0xE0–0xEF, ISO/IEC 13818-1 2.4.3.7) out of an MPEG-TS byte stream as it
 * arrives, unwrapped past the 33-bit wrap (26.5 hours), in ms. Each PES
 * packet starts one access unit (a frame) in the streams encoders send. It
 * reads only headers: a packet that starts no PES, or a header cut by a
 * packet boundary, is skipped; bytes before the first sync byte are dropped.
 */
export class VideoPtsReader {
  #rest = Buffer.alloc(0);
  #last: number | undefined;
  #wraps = 0;

  /** Takes the next bytes. @returns the PTS (ms) of the video frames that start in them. */
  push(chunk: Buffer): number[] {
    const data = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    let at = data.indexOf(SYNC);
    if (at === -1) {
      this.#rest = Buffer.alloc(0);
      return [];
    }
    const found: number[] = [];
    for (; at + PACKET <= data.length; at += PACKET) {
      if (data[at] !== SYNC) {
        // Lost sync: find the next sync byte.
        const next = data.indexOf(SYNC, at + 1);
        if (next === -1) {
          at = data.length;
          break;
        }
        at = next - PACKET;
        continue;
      }
      const pts = this.#packetPts(data.subarray(at, at + PACKET));
      if (pts !== undefined) found.push(pts);
    }
    this.#rest = Buffer.from(data.subarray(at));
    return found;
  }

  #packetPts(packet: Buffer): number | undefined {
    const payloadStart = (packet[1]! & 0x40) !== 0;
    if (!payloadStart) return undefined;
    const adaptation = (packet[3]! >> 4) & 0x3;
    let at = 4;
    if (adaptation === 2) return undefined; // adaptation field only
    if (adaptation === 3) at += 1 + packet[4]!;
    // PES start code, stream id, length, flags, header length, then PTS when flagged.
    if (at + 14 > packet.length || packet[at] !== 0 || packet[at + 1] !== 0 || packet[at + 2] !== 1) return undefined;
    const streamId = packet[at + 3]!;
    if (streamId < 0xe0 || streamId > 0xef || (packet[at + 7]! & 0x80) === 0) return undefined;
    const p = at + 9;
    const raw =
      ((packet[p]! >> 1) & 0x07) * 2 ** 30 + (packet[p + 1]! << 22) + ((packet[p + 2]! >> 1) << 15) + (packet[p + 3]! << 7) + (packet[p + 4]! >> 1);
    // A PTS far below the last one wrapped past 2^33.
    if (this.#last !== undefined && raw + this.#wraps * PTS_WRAP < this.#last - PTS_WRAP / 2) this.#wraps += 1;
    const unwrapped = raw + this.#wraps * PTS_WRAP;
    this.#last = unwrapped;
    return unwrapped / 90;
  }
}

/** Options of {@link TimestampWatch}, ms. */
export interface TimestampWatchOptions {
  /** Wall time after the first frame before progress is judged (the relay's analysis backlog comes out at once). @defaultValue 5000 */
  grace?: number;
  /** Wall time progress is judged over. @defaultValue 3000 */
  window?: number;
  /** Largest step between a frame's PTS and the newest before, either way (B-frames step back a few frames). @defaultValue 5000 */
  maxStep?: number;
}

/**
 * Watches that a live publish's video PTS advance with the wall clock, as
 * a live source's must: SRT's TSBPD delivers packets at the pace they were
 * sent. It names the first problem:
 * - a step of more than `maxStep` forward or back (an encoder restart, a
 *   clock jump);
 * - less than half the wall time's worth of timestamps over `window`
 *   while frames kept coming: the timestamps stopped, or went back and
 *   ffmpeg's relay clamped them (its muxers never write a DTS below the
 *   last: "Non-monotonous DTS ... changing to", one tick per frame until
 *   the new timeline passes the old). Frames that stop coming for more than
 *   half the window (an encoder away, a network hold) start the judgement
 *   over: that is no frame with a stopped timestamp.
 */
export class TimestampWatch {
  readonly #grace: number;
  readonly #window: number;
  readonly #maxStep: number;
  #first: number | undefined;
  #newest = -Infinity;
  /** `[wall ms, newest PTS ms then]`, oldest first, over the last `window`. */
  #samples: Array<[number, number]> = [];

  constructor(options: TimestampWatchOptions = {}) {
    this.#grace = options.grace ?? 5000;
    this.#window = options.window ?? 3000;
    this.#maxStep = options.maxStep ?? 5000;
  }

  /** A video frame with PTS `pts` (ms) came at `wall` (ms). @returns what is wrong with the timeline, or undefined. */
  add(pts: number, wall: number): string | undefined {
    this.#first ??= wall;
    if (this.#newest !== -Infinity) {
      const step = pts - this.#newest;
      if (step > this.#maxStep) return `video timestamps jumped forward ${(step / 1000).toFixed(1)} s`;
      if (step < -this.#maxStep) return `video timestamps went back ${(-step / 1000).toFixed(1)} s`;
    }
    this.#newest = Math.max(this.#newest, pts);
    const samples = this.#samples;
    if (samples.length > 0 && wall - samples.at(-1)![0] > this.#window / 2) samples.length = 0;
    samples.push([wall, this.#newest]);
    while (samples.length > 1 && samples[1]![0] <= wall - this.#window) samples.shift();
    const [since, from] = samples[0]!;
    const span = wall - since;
    if (wall - this.#first < this.#grace || span < this.#window * 0.9) return undefined;
    const advanced = this.#newest - from;
    if (advanced < span / 2) {
      return `video timestamps advanced ${(advanced / 1000).toFixed(1)} s in ${(span / 1000).toFixed(1)} s (stopped, or went back and were clamped)`;
    }
    return undefined;
  }
}
