import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { ArrivalClock } from '../sources/arrival-clock.js';
import { ClockDrift, type ClockDriftOptions } from '../sources/clock-drift.js';
import { avcLengthSize, publisherCaptureTime, PublisherLead } from '../sources/publisher-capture.js';
import { FeedWaiters, type HeadOptions, type MediaFeed } from './media-feed.js';
import { TimestampWatch } from './ts-timestamps.js';

/** FLV tag types (FLV spec v10.1, E.4.1). */
const AUDIO = 8;
const VIDEO = 9;
const SCRIPT = 18;

/**
 * A track's decode timestamp that moves forward by more than `forward` or
 * back by more than `backward` seconds against its previous one re-anchors
 * the feed's timeline (see {@link FlvFeed}). Five seconds is longer than any
 * GOP or audio gap an encoder makes on purpose; one second back is more than
 * B-frame reordering (which moves PTS, not DTS) or A/V interleaving skew.
 */
export const TIMESTAMP_JUMP = Object.freeze({ forward: 5, backward: 1 });

/** One RTMP audio, video or data message, as an FLV tag body. */
export interface FlvTagInput {
  /** FLV tag type: 8 audio, 9 video, 18 script data (AMF0). Other types are ignored. */
  type: number;
  /** Decode timestamp (the RTMP message timestamp), milliseconds; taken modulo 2^32. */
  timestamp: number;
  /** The tag body (the RTMP message payload). Copied before {@link FlvFeed.push} returns, so the caller may reuse it. */
  data: Buffer;
}

/** Options of {@link FlvFeed}. */
export interface FlvFeedOptions {
  /** Stream name, for log lines. */
  stream?: string;
  /** Where timestamp re-anchoring is logged (warn); silent without one. */
  logger?: Logger;
  /** Bytes a sink may have unwritten before tags are dropped. @defaultValue 8 MiB */
  maxQueued?: number;
  /** Bytes kept before the first sink is attached; tags past it are dropped. @defaultValue 64 MiB */
  maxHead?: number;
  /** How the publisher's clock drift is taken out of the timeline (see {@link ClockDrift}); `false` leaves its timestamps as they are. @defaultValue ClockDrift's defaults */
  clockDrift?: ClockDriftOptions | false;
  /** When a message arrives, ms since the epoch: the origin's clock, which the capture clock and the drift are measured on. @defaultValue Date.now */
  clock?: () => number;
  /**
   * Called once when the video timestamps turn out unusable (see
   * {@link FlvFeed.timestampProblem}), with the problem; the RTMP ingest
   * drops the publisher.
   */
  onTimestampProblem?: (problem: string) => void;
}

type Kind = 'config' | 'metadata' | 'key' | 'frame' | 'script';

/** AMF0 string `@setDataFrame`: RTMP publishers wrap onMetaData in it; an FLV file has onMetaData alone. */
const SET_DATA_FRAME = Buffer.from('\x02\x00\x0d@setDataFrame', 'latin1');
const ON_METADATA = Buffer.from('\x02\x00\x0aonMetaData', 'latin1');
/** onMetaData keys (AMF0 object keys: u16 length, then the name) that say a track is there. */
const AUDIO_CODEC_KEY = Buffer.from('\x00\x0caudiocodecid', 'latin1');
const VIDEO_CODEC_KEY = Buffer.from('\x00\x0cvideocodecid', 'latin1');

/** What a tag is to the feed, from its first bytes (FLV spec E.4.2, E.4.3; Enhanced RTMP v1). */
function classify(type: number, data: Buffer): Kind {
  if (type === SCRIPT) return data.subarray(0, ON_METADATA.length).equals(ON_METADATA) ? 'metadata' : 'script';
  const first = data[0]!;
  if (type === AUDIO) {
    const format = first >> 4;
    if (format === 10) return data[1] === 0 ? 'config' : 'frame'; // AAC: AACPacketType 0 is the AudioSpecificConfig.
    if (format === 9) return (first & 0x0f) === 0 || (first & 0x0f) === 4 ? 'config' : 'frame'; // ExHeader: SequenceStart, MultichannelConfig.
    return 'frame';
  }
  const frameType = (first >> 4) & 0x07;
  if ((first & 0x80) !== 0) {
    const packetType = first & 0x0f; // ExHeader: 0 SequenceStart, 5 MPEG2TSSequenceStart.
    if (packetType === 0 || packetType === 5) return 'config';
  } else {
    const codec = first & 0x0f; // AVC (7), and the pre-Enhanced-RTMP HEVC (12) and AV1 (13) ids.
    if ((codec === 7 || codec === 12 || codec === 13) && data[1] === 0) return 'config';
  }
  return frameType === 1 ? 'key' : 'frame';
}

/**
 * The composition time offset of an AVC or HEVC video tag (FLV spec E.4.3.1:
 * SI24 after the AVCPacketType), ms: its pts less its dts. 0 for other codecs.
 */
function compositionTime(body: Buffer): number {
  const codec = body[0]! & 0x0f;
  if ((body[0]! & 0x80) !== 0 || (codec !== 7 && codec !== 12) || body.length < 5) return 0;
  return body.readIntBE(2, 3);
}

function writeTimestamp(tag: Buffer, milliseconds: number): void {
  const ts = milliseconds >>> 0;
  tag.writeUIntBE(ts & 0xffffff, 4, 3);
  tag[7] = ts >>> 24; // TimestampExtended: the upper 8 bits.
}

/** A whole FLV tag with its PreviousTagSize (FLV spec E.3, E.4.1). */
function flvTag(type: number, milliseconds: number, body: Buffer): Buffer {
  const tag = Buffer.allocUnsafe(11 + body.length + 4);
  tag[0] = type;
  tag.writeUIntBE(body.length, 1, 3);
  writeTimestamp(tag, milliseconds);
  tag.writeUIntBE(0, 8, 3); // StreamID, always 0.
  body.copy(tag, 11);
  tag.writeUInt32BE(11 + body.length, 11 + body.length);
  return tag;
}

function restamped(tag: Buffer, milliseconds: number): Buffer {
  const copy = Buffer.from(tag);
  writeTimestamp(copy, milliseconds);
  return copy;
}

/** Where the first media tag lands on the output timeline, ms: room for a second track that starts up to a second earlier. */
const TIMELINE_START = 1000;
/** A track's frame interval until two of its frames were seen, ms. */
const DEFAULT_STEP = 33;
/** Shortest interval between two re-anchoring log lines, ms (a publisher that jumps on one track only re-anchors on every frame). */
const LOG_INTERVAL = 1000;

interface Track {
  /** Last output DTS, ms. */
  last: number;
  /** Last positive DTS step of up to a second, ms: the frame interval. */
  step: number;
  /** When its last tag arrived, epoch ms (the feed's clock). */
  arrivedAt: number;
}

/**
 * The FLV of one RTMP publish, built from node-media-server's parsed
 * messages: FLV header, onMetaData, sequence headers, audio and video
 * tags (other script data, such as onCuePoint or onTextData, is left
 * out: ffmpeg would make streams of it and renumber the ones the
 * transcoder maps). Its first seconds are kept (for probing, and for the transcoder to
 * start from the very first key frame) until a sink is attached; from then
 * on each tag is written to the sink as one whole write.
 *
 * - Memory is bounded: a sink with more than `maxQueued` bytes unwritten
 *   loses whole tags instead of growing (video then resumes at the next
 *   key frame, so the decoder never sees a frame without its references);
 *   the head stops at `maxHead`.
 * - A re-attached sink (a restarted transcoder) gets the FLV header,
 *   onMetaData and the sequence headers, then everything from the next
 *   video key frame (at once if the publish has no video).
 * - The output timeline starts at 1 s and keeps pace with arrival: a DTS
 *   that jumps (see {@link TIMESTAMP_JUMP}: an encoder restart, an OBS
 *   reconnect, a +500 000 s jump, the 32-bit wrap) moves the one offset
 *   shared by all tracks so that its track continues as long after its
 *   last frame as it arrived after it (at least one frame interval); the
 *   other tracks, having jumped alike, are then continuous too. The
 *   transcoder fills the time a restarting encoder was away: its audio
 *   with silence (`aresample=async`), its video with the last picture
 *   where it sets a constant frame rate (the `fps` filter: a standard-rate
 *   input, or `transcode.fps`; a variable-rate input keeps the gap). Each
 *   event is logged at warn (at most one line a second). PTS follows DTS (the composition offset is in the tag body),
 *   so B-frames are no jump.
 * - The publisher's clock drift is taken out (see {@link ClockDrift}):
 *   each output timestamp moves with the publisher's clock against the
 *   origin's (a publisher 0.1 % fast: 1 ms less a second), at most 0.5 %
 *   of the time passed, so the MPD's media time stays wall-clock time.
 * - Past 2^32 ms: RTMP timestamps are 32-bit and wrap after 49.7 days; a
 *   wrap is a backward jump and is re-anchored (the RTMP ingest keeps
 *   node-media-server from dropping messages past the wrap). The output
 *   starts at 1 s whatever the publisher's first timestamp, so its own
 *   32-bit FLV timestamps wrap only after 49.7 days of one publish; the
 *   transcoder then sees one backward jump.
 */
export class FlvFeed implements MediaFeed {
  #head: Buffer[] = [];
  #headBytes = 0;
  #headFull = false;
  #sink: Writable | undefined;
  #attachedOnce = false;
  #startedAt: number | undefined;
  #bytes = 0;
  #dropped = 0;
  #ended = false;
  #waiters = new FeedWaiters();
  #maxQueued: number;
  #maxHead: number;
  #stream: string | undefined;
  #logger: Logger | undefined;

  #metadata: Buffer | undefined;
  /** Latest sequence header of each track, by tag type. */
  #configs = new Map<number, Buffer>();
  /** Latest audio frame of an audio codec without a sequence header (MP3): it alone makes ffmpeg create the stream. */
  #lastAudio: Buffer | undefined;
  /** Tag types (audio, video) in the order their first tags came: the order ffmpeg numbers their streams in. */
  #order: number[] = [];
  /** What the sink may get now: everything, no video until a key frame, or nothing but configuration until a key frame. */
  #gate: 'open' | 'video' | 'all' = 'open';
  /** A configuration tag was dropped: the latest ones go out again before the next key frame. */
  #resendConfig = false;

  #offset: number | undefined;
  #tracks = new Map<number, Track>();
  #position = 0;
  #reanchors = 0;
  #lastLogAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  /** When the publish's video frames arrived, by the pts the transcoder reads (ms): the session's capture clock. */
  readonly arrivals = new ArrivalClock();
  /** The publisher's clock drift against the origin's, taken out of every timestamp the transcoder reads. */
  readonly #drift: ClockDrift | undefined;
  readonly #clock: () => number;
  /** The publisher's own capture times (an OBS BPM timestamp SEI on its key frames) against the arrivals. */
  readonly #publisher = new PublisherLead();
  /** Bytes of each NAL unit length in its AVC video, from the sequence header. */
  #nalLengthSize = 4;
  /** Whether the video timestamps advance with the wall clock (jumps are re-anchored before it sees them). */
  readonly #watch = new TimestampWatch({ maxStep: Number.POSITIVE_INFINITY });
  readonly #onTimestampProblem: ((problem: string) => void) | undefined;

  /**
   * What is wrong with the publish's video timestamps, once something is:
   * they advanced less than half the wall time over 3 s while frames kept
   * coming (they stopped, or kept stepping back by less than a re-anchor).
   * Jumps are re-anchored, not a problem.
   */
  timestampProblem: string | undefined;

  constructor(options: FlvFeedOptions = {}) {
    this.#maxQueued = options.maxQueued ?? 8 * 1024 * 1024;
    this.#maxHead = options.maxHead ?? 64 * 1024 * 1024;
    this.#stream = options.stream;
    this.#logger = options.logger;
    this.#drift = options.clockDrift === false ? undefined : new ClockDrift(options.clockDrift);
    this.#clock = options.clock ?? Date.now;
    this.#onTimestampProblem = options.onTimestampProblem;
  }

  /** How much earlier than their arrival the publisher says its frames were made, ms: 0 unless it states its capture times (see {@link PublisherLead}). */
  get publisherLead(): number {
    return this.#publisher.lead;
  }

  /** The correction taken off the publisher's timestamps for its clock drift, ms (negative: its clock runs fast); see {@link ClockDrift}. */
  get driftCorrection(): number {
    return this.#drift?.correction ?? 0;
  }

  /** FLV bytes built so far (tags with their headers). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Tags not delivered because the sink (or the head) was full, and the video after them up to the next key frame. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the publish is over. */
  get ended(): boolean {
    return this.#ended;
  }

  /** How often the timeline was re-anchored after a timestamp jump. */
  get reanchors(): number {
    return this.#reanchors;
  }

  /** One message of the publish. Empty bodies and other tag types are ignored. */
  push(input: FlvTagInput): void {
    const { type, data } = input;
    if (this.#ended || (type !== AUDIO && type !== VIDEO && type !== SCRIPT) || data.length === 0 || data.length > 0xffffff) return;
    this.#startedAt ??= performance.now();
    if (type !== SCRIPT) return this.#deliver(type, classify(type, data), data, input.timestamp);
    // ffmpeg's FLV demuxer reads onMetaData only as a file has it, without the @setDataFrame wrapper.
    const body = data.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME) ? data.subarray(SET_DATA_FRAME.length) : data;
    // Any other script tag (onCuePoint, onTextData, |RtmpSampleAccess) would become a stream
    // of its own in ffmpeg and shift the stream indices the transcoder maps from the probe.
    if (classify(SCRIPT, body) === 'metadata') this.#deliver(type, 'metadata', body, 0);
  }

  #deliver(type: number, kind: Kind, body: Buffer, timestamp: number): void {
    const media = kind === 'key' || kind === 'frame';
    const arrival = this.#clock();
    const continuous = media ? this.#retime(type, timestamp >>> 0, arrival) : undefined;
    if (continuous !== undefined && type === VIDEO) {
      this.#drift?.observe(continuous, arrival);
      if (this.timestampProblem === undefined) this.#judge(continuous, arrival);
    }
    const dts = continuous === undefined ? undefined : this.#onOriginClock(continuous);
    // Each frame's arrival on the timeline ffmpeg reads (its pts), for the capture clock.
    if (dts !== undefined && type === VIDEO) {
      const pts = dts + compositionTime(body);
      this.arrivals.add(pts, arrival);
      if (kind === 'key') this.#readPublisherCapture(body, pts);
    }
    if (kind === 'config' && type === VIDEO) this.#nalLengthSize = avcLengthSize(body) ?? this.#nalLengthSize;
    // onMetaData at 0: ffmpeg takes a later one for a subtitle packet.
    const tag = flvTag(type, dts ?? (kind === 'metadata' ? 0 : this.#onOriginClock(this.#position)), body);
    this.#bytes += tag.length;
    if (type !== SCRIPT && !this.#order.includes(type)) this.#order.push(type);
    if (kind === 'metadata') this.#metadata = tag;
    else if (kind === 'config') this.#configs.set(type, tag);
    else if (type === AUDIO && !this.#configs.has(AUDIO)) this.#lastAudio = tag;

    if (this.#sink !== undefined) this.#write(this.#sink, type, kind, tag);
    else if (!this.#attachedOnce) this.#keep(type, kind, tag);
    this.#waiters.wake();
  }

  #keep(type: number, kind: Kind, tag: Buffer): void {
    if (!this.#headFull && this.#headBytes + tag.length <= this.#maxHead) {
      this.#head.push(tag);
      this.#headBytes += tag.length;
      return;
    }
    // Configuration is kept as the latest of each and sent after the head (see attach).
    this.#headFull = true;
    if (kind === 'config' || kind === 'metadata') return;
    this.#dropped += 1;
    if (type === VIDEO && this.#gate === 'open') this.#gate = 'video';
  }

  #write(sink: Writable, type: number, kind: Kind, tag: Buffer): void {
    const queued = sink.writableLength;
    if (kind === 'config' || kind === 'metadata') {
      // Small and needed to decode what follows: written even to a slow sink, up to twice the bound.
      if (queued > 2 * this.#maxQueued) {
        this.#dropped += 1;
        this.#resendConfig = true;
        if (this.#gate === 'open') this.#gate = 'video';
      } else sink.write(tag);
      return;
    }
    if (kind === 'key' && type === VIDEO && this.#gate !== 'open') {
      if (queued > this.#maxQueued) {
        this.#dropped += 1;
        return;
      }
      this.#gate = 'open';
      if (this.#resendConfig) {
        this.#resendConfig = false;
        for (const config of this.#configTags({ newSink: false })) sink.write(config);
      }
      sink.write(tag);
      return;
    }
    if (this.#gate === 'all' && this.#hasVideo) return;
    if (this.#gate === 'video' && type === VIDEO) {
      this.#dropped += 1;
      return;
    }
    if (queued > this.#maxQueued) {
      this.#dropped += 1;
      if (type === VIDEO && this.#gate === 'open') this.#gate = 'video';
      return;
    }
    sink.write(tag);
  }

  /**
   * onMetaData, then each track's sequence header (stamped at the current
   * position), in the order the tracks first came: ffmpeg numbers its
   * streams in the order it meets them, and the transcoder maps the
   * numbers of the first probe.
   */
  #configTags({ newSink }: { newSink: boolean }): Buffer[] {
    const tags = this.#metadata === undefined ? [] : [this.#metadata];
    for (const type of this.#order) {
      const tag = this.#configs.get(type) ?? (type === AUDIO && newSink ? this.#lastAudio : undefined);
      if (tag !== undefined) tags.push(restamped(tag, this.#onOriginClock(this.#position)));
    }
    return tags;
  }

  get #hasVideo(): boolean {
    return this.#order.includes(VIDEO);
  }

  /** The FLV header (spec E.2): its audio/video flags from onMetaData and the tracks seen; both when nothing is known yet. */
  #header(): Buffer {
    const metadata = this.#metadata;
    const audio = this.#order.includes(AUDIO) || (metadata?.includes(AUDIO_CODEC_KEY) ?? false);
    const video = this.#hasVideo || (metadata?.includes(VIDEO_CODEC_KEY) ?? false);
    const flags = !audio && !video ? 5 : (audio ? 4 : 0) | (video ? 1 : 0);
    return Buffer.from([0x46, 0x4c, 0x56, 1, flags, 0, 0, 0, 9, 0, 0, 0, 0]);
  }

  /**
   * The output DTS of a media tag: its own DTS plus the shared offset,
   * re-anchored if it jumped. Forward jumps are measured from the newest
   * DTS of any track, so a track that pauses (muted audio that stops
   * sending) and comes back in step with the others is no jump; backward
   * ones from the track's own last DTS. A track's first tag is taken as
   * it comes: aligning a track that starts skewed would move the other
   * tracks with it.
   */
  #retime(type: number, timestamp: number, arrival: number): number {
    this.#offset ??= TIMELINE_START - timestamp;
    let dts = timestamp + this.#offset;
    const track = this.#tracks.get(type);
    if (track !== undefined) {
      const forward = dts - this.#position;
      const backward = dts - track.last;
      if (forward > TIMESTAMP_JUMP.forward * 1000 || backward < -TIMESTAMP_JUMP.backward * 1000) {
        // As long after the track's last frame as it came after it (an encoder that restarted
        // after 3 s offline leaves those 3 s on the timeline: media time keeps pace with the
        // wall clock, so availabilityStartTime and the capture clock stay true), at least one
        // frame interval, and not behind the other tracks.
        const target = Math.max(track.last + Math.max(track.step, arrival - track.arrivedAt), this.#position);
        this.#offset += target - dts;
        dts = target;
        this.#reanchors += 1;
        this.#logJump(type, backward);
        this.#drift?.restart();
      }
    }
    dts = Math.max(0, dts);
    if (track === undefined) this.#tracks.set(type, { last: dts, step: DEFAULT_STEP, arrivedAt: arrival });
    else {
      const step = dts - track.last;
      if (step > 0 && step <= 1000) track.step = step;
      track.last = dts;
      track.arrivedAt = arrival;
    }
    this.#position = Math.max(this.#position, dts);
    return dts;
  }

  #judge(dts: number, arrival: number): void {
    const problem = this.#watch.add(dts, arrival);
    if (problem === undefined) return;
    this.timestampProblem = problem;
    this.#logger?.warn({ stream: this.#stream, reason: problem }, 'RTMP timestamps unusable; publisher dropped');
    this.#onTimestampProblem?.(problem);
  }

  /** A key frame's own capture time, where the publisher states it, against the one its arrival gives. */
  #readPublisherCapture(body: Buffer, pts: number): void {
    const stated = publisherCaptureTime(body, this.#nalLengthSize);
    const arrived = this.arrivals.captureOf(pts);
    if (stated === undefined || arrived === undefined) return;
    const taken = this.#publisher.add(arrived, stated);
    const { accepted, refused } = this.#publisher.counts;
    if (taken && accepted === 1) {
      this.#logger?.info({ stream: this.#stream, leadMs: Math.round(arrived - stated) }, 'publisher states its capture times (OBS timestamp SEI): the capture clock uses them');
    } else if (!taken && refused === 1) {
      this.#logger?.warn(
        { stream: this.#stream, leadMs: Math.round(arrived - stated) },
        "publisher's stated capture times disagree with their arrival (its clock is not the origin's?): ignored",
      );
    }
  }

  /** A continuous timestamp with the clock drift taken out, ms, never below 0. */
  #onOriginClock(continuous: number): number {
    return Math.max(0, this.#drift?.map(continuous) ?? continuous);
  }

  #logJump(type: number, jump: number): void {
    const now = performance.now();
    if (now - this.#lastLogAt < LOG_INTERVAL) {
      this.#unlogged += 1;
      return;
    }
    this.#lastLogAt = now;
    this.#logger?.warn(
      {
        stream: this.#stream,
        track: type === AUDIO ? 'audio' : 'video',
        jumpSeconds: jump / 1000,
        offsetSeconds: (this.#offset ?? 0) / 1000,
        ...(this.#unlogged > 0 ? { alsoReanchored: this.#unlogged } : {}),
      },
      'RTMP timestamps jumped; timeline re-anchored',
    );
    this.#unlogged = 0;
  }

  /** The publish is over: waiters get what there is, the sink is ended. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sink?.end();
    this.#waiters.wake();
  }

  /**
   * The FLV header and the first tags of the publish, once there are
   * enough to probe (see {@link HeadOptions}) or the publish ended; meant
   * for before the first sink is attached, which takes the tags.
   * @returns them, or an empty buffer if the publish ended without any tag.
   */
  async head(options: HeadOptions = {}): Promise<Buffer> {
    const { minDuration = 1000, minBytes = 64 * 1024, maxBytes = 8 * 1024 * 1024 } = options;
    const enough = (): boolean =>
      this.#ended ||
      this.#headFull ||
      this.#attachedOnce ||
      this.#headBytes >= maxBytes ||
      (this.#startedAt !== undefined && this.#headBytes >= minBytes && performance.now() - this.#startedAt >= minDuration);
    while (!enough()) {
      await this.#waiters.next();
    }
    if (this.#headBytes === 0) return Buffer.alloc(0);
    return Buffer.concat([this.#header(), ...this.#head]);
  }

  /**
   * Sends the FLV to `sink` (a transcoder's stdin), replacing the previous
   * sink. The first sink gets the header and the kept head, then every tag
   * as it arrives; a later one (a restarted transcoder joins mid-stream)
   * gets the header, onMetaData and the sequence headers, then tags from
   * the next video key frame.
   */
  attach(sink: Writable): void {
    this.#sink = sink;
    sink.on('error', () => undefined);
    sink.write(this.#header());
    if (!this.#attachedOnce) {
      this.#attachedOnce = true;
      for (const tag of this.#head) sink.write(tag);
      if (this.#headFull) for (const tag of this.#configTags({ newSink: false })) sink.write(tag);
      this.#head = [];
      this.#headBytes = 0;
    } else {
      for (const tag of this.#configTags({ newSink: true })) sink.write(tag);
      this.#gate = 'all';
      this.#resendConfig = false;
    }
    if (this.#ended) sink.end();
  }

}
