/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (RFC 5905, figure 4). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** `prft` flags of a capture time: "the time the media sample was captured" (the value dash.js reads as `captured`). */
const PRFT_FLAGS_CAPTURED = 24;
/** `prft` flags of an encoder's time (its input or output): what a box the origin cannot restate is. */
const PRFT_FLAGS_ENCODER = 0;

/** Largest `prft` box, bytes: version 1 is 32. Anything bigger under that name is passed through untouched. */
const MAX_PRFT_BYTES = 64;

/**
 * The media timescale (ticks per second) of the first track of an init
 * segment, from its `mdhd` box (ISO/IEC 14496-12, 8.4.2): what a `prft`
 * box's `media_time` counts in.
 * @returns undefined if there is no `mdhd` box, or a timescale of 0.
 */
export function mediaTimescale(init: Buffer): number | undefined {
  // The box type is a 4-byte code that does not occur inside the boxes before it in an init segment.
  const at = init.indexOf('mdhd', 0, 'latin1');
  if (at < 4) return undefined;
  const version = init[at + 4];
  const offset = at + (version === 1 ? 24 : 16);
  if (offset + 4 > init.length) return undefined;
  const timescale = init.readUInt32BE(offset);
  return timescale > 0 ? timescale : undefined;
}

/** Options of a {@link PrftRewriter}. */
export interface PrftRewriterOptions {
  /**
   * Ticks per second of the track's media time (its `mdhd` timescale,
   * {@link mediaTimescale}); undefined when its init segment is not known.
   */
  timescale: number | undefined;
  /** Capture time of the frame at a media time (seconds), ms since the epoch, or undefined when the clock does not know it. */
  captureAt(mediaTime: number): number | undefined;
}

/**
 * Restates the `prft` boxes (ISO/IEC 14496-12, 8.16.5) of a media segment
 * as it streams in: each one's NTP timestamp becomes the capture time of
 * the media time it names (the stream's capture clock), and its flags say
 * `captured`. ffmpeg's dash muxer writes one before every fragment (with
 * `-frag_type every_frame`, every frame) with its own wall clock at the
 * time it wrote the fragment, which is the encoder's output, not the
 * capture. Players that read in-band `prft` (llstream's) then measure the
 * latency of each frame from when it was really captured.
 *
 * A box whose capture time the origin cannot state (no clock point yet, no
 * init segment to read the timescale from) keeps its time but is relabelled
 * `encoder`: ffmpeg marks its own write time `captured`, and a player
 * taking that for capture would read the pipeline's delay as no latency.
 *
 * Only top-level boxes are looked at; the bytes come out as they went in
 * but for those 8 bytes and the flags, and a `prft` box is held back only
 * until its ~32 bytes are all there. Memory: at most one box header and one
 * `prft` box.
 */
export class PrftRewriter {
  readonly #options: PrftRewriterOptions;
  /** Bytes of the current box still to pass through untouched. */
  #passing = 0;
  /** The current box runs to the end of the segment (size 0). */
  #toEnd = false;
  /** Bytes of a box header, or of a whole `prft` box, gathered so far. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** Size of the `prft` box being gathered; undefined while a header is. */
  #prftSize: number | undefined;

  constructor(options: PrftRewriterOptions) {
    this.#options = options;
  }

  /** Takes the next piece of the upload. @returns the bytes to store now, in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      if (this.#toEnd) {
        out.push(rest);
        break;
      }
      if (this.#passing > 0) {
        const take = Math.min(this.#passing, rest.length);
        out.push(rest.subarray(0, take));
        this.#passing -= take;
        rest = rest.subarray(take);
        continue;
      }
      // Gather a header (8 bytes; 16 with a 64-bit size), or the whole prft box.
      const want = this.#prftSize ?? (this.#heldBytes >= 8 && this.#peekSize() === 1 ? 16 : 8);
      const take = Math.min(want - this.#heldBytes, rest.length);
      this.#held.push(rest.subarray(0, take));
      this.#heldBytes += take;
      rest = rest.subarray(take);
      if (this.#heldBytes < want) continue;
      const held = Buffer.concat(this.#held, this.#heldBytes);
      if (this.#prftSize !== undefined) {
        out.push(this.#rewrite(held));
        this.#reset();
        continue;
      }
      if (want === 8 && held.readUInt32BE(0) === 1) continue; // a 64-bit size: 8 more header bytes
      const type = held.toString('latin1', 4, 8);
      const size = held.readUInt32BE(0) === 1 ? Number(held.readBigUInt64BE(8)) : held.readUInt32BE(0);
      if (type === 'prft' && size >= 28 && size <= MAX_PRFT_BYTES) {
        this.#prftSize = size;
        continue;
      }
      out.push(held);
      this.#reset();
      if (size === 0) this.#toEnd = true;
      else this.#passing = Math.max(0, size - want);
    }
    return out;
  }

  /** The upload ended: whatever is held (a box cut short) goes out as it is. */
  end(): Buffer[] {
    const held = this.#heldBytes === 0 ? [] : [Buffer.concat(this.#held, this.#heldBytes)];
    this.#reset();
    return held;
  }

  #peekSize(): number {
    return Buffer.concat(this.#held, this.#heldBytes).readUInt32BE(0);
  }

  #reset(): void {
    this.#held = [];
    this.#heldBytes = 0;
    this.#prftSize = undefined;
  }

  /** prft: size, type, version (1), flags (3), reference_track_ID (4), ntp (8), media_time (4, or 8 in version 1). */
  #rewrite(box: Buffer): Buffer {
    const version = box[8];
    const mediaTicks = version === 1 ? (box.length >= 32 ? Number(box.readBigUInt64BE(24)) : undefined) : box.readUInt32BE(24);
    const { timescale } = this.#options;
    const capture = mediaTicks === undefined || timescale === undefined ? undefined : this.#options.captureAt(mediaTicks / timescale);
    if (capture === undefined) {
      box.writeUIntBE(PRFT_FLAGS_ENCODER, 9, 3);
      return box;
    }
    const seconds = Math.floor(capture / 1000);
    const fraction = Math.round(((capture - seconds * 1000) / 1000) * 2 ** 32);
    box.writeUIntBE(PRFT_FLAGS_CAPTURED, 9, 3);
    box.writeUInt32BE((seconds + NTP_UNIX_OFFSET) >>> 0, 16);
    box.writeUInt32BE(Math.min(fraction, 2 ** 32 - 1), 20);
    return box;
  }
}
