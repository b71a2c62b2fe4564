/**
 * The capture times a publisher states itself in its video. Read: the OBS
 * Broadcast Performance Metrics timestamp SEI (OBS 31+, `libobs/util/bpm.c`
 * in obs-studio), an H.264 `user_data_unregistered` SEI message on every key
 * frame with UUID `0aecffe7-5272-4e2f-a62f-d19cd61a93b5`, whose composition
 * time event (CTS) is the wall-clock time the frame was composed. Not read:
 * RTMP onMetaData, which carries no per-frame time.
 */

/** UUID of the BPM timestamp SEI. */
const BPM_TIMESTAMP_UUID = Buffer.from('0aecffe752724e2fa62fd19cd61a93b5', 'hex');
/** `bpm_ts_type`: an RFC 3339 string with its NUL. */
const BPM_TS_RFC3339 = 1;
/** `bpm_ts_event_tag`: the composition time event, when the frame was made. */
const BPM_TS_EVENT_CTS = 1;
const NAL_SEI = 6;
const SEI_USER_DATA_UNREGISTERED = 5;

/** An SEI NAL unit's RBSP: the NAL unit without its header and emulation prevention bytes (H.264 7.4.1). */
function rbsp(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let length = 0;
  let zeros = 0;
  for (let i = 1; i < nal.length; i += 1) {
    const byte = nal[i]!;
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

/** The composition time in one SEI RBSP's BPM timestamp message, epoch ms, or undefined. */
function bpmCompositionTime(payload: Buffer): number | undefined {
  let offset = 0;
  // sei_message(): payloadType and payloadSize, each a run of 0xFF bytes and a last byte (H.264 7.3.2.3.1).
  while (offset < payload.length && payload[offset] !== 0x80) {
    let type = 0;
    while (payload[offset] === 0xff) (type += 255), (offset += 1);
    type += payload[offset++] ?? 0;
    let size = 0;
    while (payload[offset] === 0xff) (size += 255), (offset += 1);
    size += payload[offset++] ?? 0;
    const body = payload.subarray(offset, offset + size);
    offset += size;
    if (type !== SEI_USER_DATA_UNREGISTERED || body.length < 17 || !body.subarray(0, 16).equals(BPM_TIMESTAMP_UUID)) continue;
    let at = 17;
    for (let count = (body[16]! & 0x0f) + 1; count > 0 && at + 2 <= body.length; count -= 1) {
      const [kind, event] = [body[at]!, body[at + 1]!];
      at += 2;
      if (kind !== BPM_TS_RFC3339) return undefined; // Another encoding: its length is not known here.
      const end = body.indexOf(0, at);
      if (end < 0) return undefined;
      const text = body.toString('latin1', at, end);
      at = end + 1;
      if (event === BPM_TS_EVENT_CTS) {
        const time = Date.parse(text);
        return Number.isFinite(time) ? time : undefined;
      }
    }
  }
  return undefined;
}

/**
 * The composition time a publisher wrote into an FLV AVC video tag (an OBS
 * BPM timestamp SEI, see the module comment), epoch ms; undefined when the
 * tag has none.
 * @param body - the FLV video tag body: FrameType/CodecID, AVCPacketType,
 *   CompositionTime, then length-prefixed NAL units (FLV spec E.4.3.1)
 * @param lengthSize - bytes of each NAL unit's length: the
 *   AVCDecoderConfigurationRecord's lengthSizeMinusOne + 1. @defaultValue 4
 */
export function publisherCaptureTime(body: Buffer, lengthSize = 4): number | undefined {
  if ((body[0]! & 0x0f) !== 7 || body[1] !== 1) return undefined;
  for (let offset = 5; offset + lengthSize <= body.length; ) {
    const size = body.readUIntBE(offset, lengthSize);
    offset += lengthSize;
    if (size === 0 || offset + size > body.length) return undefined;
    const nal = body.subarray(offset, offset + size);
    offset += size;
    if ((nal[0]! & 0x1f) !== NAL_SEI) continue;
    const time = bpmCompositionTime(rbsp(nal));
    if (time !== undefined) return time;
  }
  return undefined;
}

/** The NAL unit length size an AVC sequence header (FLV AVCPacketType 0) states, bytes; undefined for any other tag. */
export function avcLengthSize(body: Buffer): number | undefined {
  if ((body[0]! & 0x0f) !== 7 || body[1] !== 0 || body.length < 10) return undefined;
  return (body[9]! & 0x03) + 1;
}

/**
 * How much earlier than its arrival the publisher says its frames were
 * made, ms: the median over its last key frames of (arrival-based capture
 * time − the publisher's own), taken only while it is plausible (0 to
 * `maxLead` ms): a publisher's clock that is not in step with the origin's
 * would otherwise move every reading by its error. The arrival-based
 * capture time misses what the publisher spends before sending (its
 * encode); this is that time, where the publisher states it.
 */
export class PublisherLead {
  readonly #maxLead: number;
  readonly #keep: number;
  #leads: number[] = [];
  #accepted = 0;
  #refused = 0;

  /**
   * @param maxLead - largest plausible lead, ms. @defaultValue 1000
   * @param keep - key frames the median is over. @defaultValue 5
   */
  constructor(maxLead = 1000, keep = 5) {
    this.#maxLead = maxLead;
    this.#keep = keep;
  }

  /**
   * A key frame the origin times at `arrivalCapture` (epoch ms) and the
   * publisher at `publisherCapture` (epoch ms).
   * @returns whether it was taken (plausible)
   */
  add(arrivalCapture: number, publisherCapture: number): boolean {
    const lead = arrivalCapture - publisherCapture;
    if (!(lead >= 0 && lead <= this.#maxLead)) {
      this.#refused += 1;
      return false;
    }
    this.#accepted += 1;
    this.#leads.push(lead);
    if (this.#leads.length > this.#keep) this.#leads.shift();
    return true;
  }

  /** The lead now, ms: 0 before a plausible key frame. */
  get lead(): number {
    if (this.#leads.length === 0) return 0;
    const sorted = [...this.#leads].sort((a, b) => a - b);
    return sorted[(sorted.length - 1) >> 1]!;
  }

  /** Key frames taken and refused so far. */
  get counts(): { accepted: number; refused: number } {
    return { accepted: this.#accepted, refused: this.#refused };
  }
}
