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
