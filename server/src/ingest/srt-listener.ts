import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { concatInputArgs, concatList } from '../transcode/ffconcat.js';
import { FfmpegSupervisor, outputPipeDescriptor, outputPipeUrl, type FfmpegStatus, type FfmpegSupervisorOptions } from '../transcode/ffmpeg-supervisor.js';
import { ArrivalClock } from '../sources/arrival-clock.js';
import { FeedWaiters, type HeadOptions, type MediaFeed } from './media-feed.js';
import { MPEGTS_DEMUX_HOLD_FRAMES, TimestampWatch, VideoPtsReader } from './ts-timestamps.js';

/** Shortest and longest SRT passphrase libsrt accepts (SRTO_PASSPHRASE), characters. */
export const SRT_PASSPHRASE_LENGTH = { min: 10, max: 79 } as const;

/**
 * @returns a problem description, or undefined if `passphrase` is one
 *   libsrt accepts (10 to 79 characters).
 */
export function checkSrtPassphrase(passphrase: string): string | undefined {
  const { min, max } = SRT_PASSPHRASE_LENGTH;
  if (passphrase.length >= min && passphrase.length <= max) return undefined;
  return `an SRT stream key is the SRT passphrase and must be ${min} to ${max} characters (got ${passphrase.length})`;
}


/**
 * Startcode of a NUT syncpoint (NUT specification, "startcodes"): a point
 * the demuxer can start reading from with the headers already read. The
 * relay's NUT output writes one before every key frame and at least every
 * few frames.
 */
const NUT_SYNCPOINT = Buffer.from('4e4be4adeeca4569', 'hex');

/** Most bytes of NUT headers kept for a transcoder that joins later (they are a few hundred). */
const MAX_NUT_HEADER = 1024 * 1024;

/**
 * One SRT publish, as the relay hands it over in two copies of the same
 * packets (see {@link SrtListener}):
 * - **MPEG-TS** ({@link SrtFeed.pushTs}), the caller's own container: read
 *   for the video PTS and their arrival, the session's capture clock, and
 *   counted as the publish's bytes;
 * - **NUT** ({@link SrtFeed.push}), what the transcoder reads: its first
 *   seconds are kept (for probing, and for the transcoder to start from the
 *   first key frame) until a sink is attached; from then on each chunk is
 *   written to the sink.
 *
 * A sink that does not keep up loses chunks instead of growing memory; a
 * sink that joins later (a restarted transcoder) gets the NUT headers and
 * then the stream from its next syncpoint, as does a sink after a loss:
 * its demuxer never reads a frame cut in two.
 */
export class SrtFeed implements MediaFeed {
  #head: Buffer[] = [];
  #headBytes = 0;
  /** The NUT headers: the bytes before the first syncpoint, once complete. */
  #header: Buffer | undefined;
  /** The first chunks, while the first syncpoint is looked for; undefined once it is found (or given up). */
  #headerPending: Buffer[] | undefined = [];
  #headerPendingBytes = 0;
  /** The sink waits for the next syncpoint before it gets more. */
  #resync = false;
  /** The last bytes of the previous chunk, for a syncpoint cut by a chunk boundary. */
  #tail = Buffer.alloc(0);
  #sink: Writable | undefined;
  #attachedOnce = false;
  #startedAt: number | undefined;
  #bytes = 0;
  #dropped = 0;
  #ended = false;
  #waiters = new FeedWaiters();
  #maxQueued: number;
  #maxHead: number;

  /**
   * @param limits `maxQueued`: bytes a sink may have unwritten before
   *   chunks are dropped (default 8 MiB); `maxHead`: bytes kept before a
   *   sink is attached (default 64 MiB); `transportDelay`: ms the transport
   *   holds every packet on purpose (SRT's receive latency), taken off each
   *   arrival.
   */
  constructor(limits: { maxQueued?: number; maxHead?: number; transportDelay?: number } = {}) {
    this.#maxQueued = limits.maxQueued ?? 8 * 1024 * 1024;
    this.#maxHead = limits.maxHead ?? 64 * 1024 * 1024;
    this.arrivals = new ArrivalClock({ transportDelay: limits.transportDelay ?? 0 });
  }

  /**
   * When the publish's video frames arrived, by their PTS (ms): the
   * session's capture clock (less `transportDelay`: SRT's receiver latency,
   * which holds every packet back that long after it was sent).
   */
  readonly arrivals: ArrivalClock;
  #pts = new VideoPtsReader();
  #watch = new TimestampWatch();
  #lastPts: number | undefined;
  /** Recent gaps between consecutive video PTS, ms. */
  #gaps: number[] = [];

  /**
   * What is wrong with the publish's timestamps ({@link TimestampWatch}),
   * once something is: the listener then drops the caller, and the
   * session ends with this as its reason.
   */
  timestampProblem: string | undefined;

  /** Bytes of the caller's MPEG-TS received so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Chunks dropped because the sink (or the head) was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the publish is over. */
  get ended(): boolean {
    return this.#ended;
  }

  /** A chunk of the relay's MPEG-TS copy: timed, counted, not forwarded. */
  pushTs(chunk: Buffer): void {
    if (this.#ended) return;
    this.#bytes += chunk.length;
    const arrival = Date.now();
    for (const pts of this.#pts.push(chunk)) {
      this.timestampProblem ??= this.#watch.add(pts, arrival);
      if (this.#lastPts !== undefined && pts > this.#lastPts && pts - this.#lastPts < 250) {
        this.#gaps.push(pts - this.#lastPts);
        if (this.#gaps.length > 8) this.#gaps.shift();
      }
      this.#lastPts = pts;
      // The relay's MPEG-TS demuxer hands each video frame on two frame intervals after its
      // first bytes came (MPEGTS_DEMUX_HOLD_FRAMES). (The shortest of the last 8 gaps is one
      // frame interval: with B-frames, PTS come out of order.)
      const frame = this.#gaps.length === 0 ? 1000 / 30 : Math.min(...this.#gaps);
      this.arrivals.add(pts, arrival - MPEGTS_DEMUX_HOLD_FRAMES * frame);
    }
  }

  /** A chunk of the relay's NUT copy, for the transcoder. */
  push(chunk: Buffer): void {
    if (this.#ended) return;
    this.#startedAt ??= performance.now();
    this.#collectHeader(chunk);
    if (this.#sink !== undefined) {
      this.#forward(chunk);
    } else if (!this.#attachedOnce) {
      if (this.#headBytes + chunk.length > this.#maxHead) {
        this.#dropped += 1;
      } else {
        this.#head.push(chunk);
        this.#headBytes += chunk.length;
      }
    }
    this.#waiters.wake();
  }

  /** The publish is over: waiters get what there is, the sink is ended. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sink?.end();
    this.#waiters.wake();
  }

  /**
   * The first bytes of the publish (NUT), once there are enough to probe
   * (see {@link HeadOptions}) or the publish ended.
   * @returns them, or an empty buffer if the publish ended without any.
   */
  async head(options: HeadOptions = {}): Promise<Buffer> {
    const { minDuration = 1000, minBytes = 64 * 1024, maxBytes = 8 * 1024 * 1024 } = options;
    const enough = (): boolean =>
      this.#ended ||
      this.#headBytes >= maxBytes ||
      (this.#startedAt !== undefined && this.#headBytes >= minBytes && performance.now() - this.#startedAt >= minDuration);
    while (!enough()) {
      await this.#waiters.next();
    }
    return Buffer.concat(this.#head, this.#headBytes);
  }

  /**
   * Sends the stream to `sink` (a transcoder's stdin): the kept head first
   * if no sink had it yet; a later sink (a restarted transcoder joining
   * mid-stream) gets the NUT headers and then the stream from the next
   * syncpoint. Replaces the previous sink.
   */
  attach(sink: Writable): void {
    this.#sink = sink;
    sink.on('error', () => undefined);
    if (!this.#attachedOnce) {
      this.#attachedOnce = true;
      for (const chunk of this.#head) sink.write(chunk);
      this.#head = [];
      this.#headBytes = 0;
    } else {
      if (this.#header !== undefined) sink.write(this.#header);
      this.#resync = true;
    }
    if (this.#ended) sink.end();
  }

  #forward(chunk: Buffer): void {
    const sink = this.#sink!;
    const tail = this.#tail;
    this.#tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (NUT_SYNCPOINT.length - 1))));
    if (this.#resync) {
      // Write from the next syncpoint on, which may have begun in the previous chunk's tail.
      const joined = Buffer.concat([tail, chunk]);
      const at = joined.indexOf(NUT_SYNCPOINT);
      if (at === -1) return;
      this.#resync = false;
      chunk = joined.subarray(at);
    }
    if (sink.writableLength > this.#maxQueued) {
      this.#dropped += 1;
      this.#resync = true;
    } else {
      sink.write(chunk);
    }
  }

  #collectHeader(chunk: Buffer): void {
    if (this.#header !== undefined || this.#headerPending === undefined) return;
    this.#headerPending.push(chunk);
    this.#headerPendingBytes += chunk.length;
    const data = Buffer.concat(this.#headerPending, this.#headerPendingBytes);
    const at = data.indexOf(NUT_SYNCPOINT);
    if (at !== -1) {
      this.#header = Buffer.from(data.subarray(0, at));
      this.#headerPending = undefined;
    } else if (this.#headerPendingBytes > MAX_NUT_HEADER) {
      // No syncpoint in the first MiB: not NUT as the relay writes it. A later sink gets no headers.
      this.#headerPending = undefined;
    }
  }
}

/** Options of {@link SrtListener}. */
export interface SrtListenerOptions {
  stream: string;
  /** UDP port to listen on. */
  port: number;
  /** Address to bind. @defaultValue `'0.0.0.0'` */
  host?: string;
  /**
   * The stream key, used as the SRT passphrase (AES-128): a caller with
   * another passphrase fails the handshake. Without one, the listener is
   * unencrypted and takes any caller.
   */
  passphrase?: string;
  /** ffmpeg binary. */
  ffmpegPath: string;
  logger: Logger;
  /** A caller connected and its MPEG-TS started to flow. */
  onPublish(feed: SrtFeed): void;
  /** That caller is gone (disconnected, or the connection broke). */
  onUnpublish(feed: SrtFeed): void;
  /** The listener cannot run (e.g. the port is taken): it gave up after its restarts. */
  onFailed(reason: string): void;
  /** Restart timing of the listener process. */
  supervision?: Pick<FfmpegSupervisorOptions, 'initialRestartDelay' | 'maxRestartDelay' | 'healthyRunTime' | 'maxRestarts' | 'stopTimeout'>;
}

/**
 * The listener's SRT receive latency, ms (libsrt's default, set explicitly):
 * TSBPD hands each packet over this long after the caller sent it. The
 * capture clock takes it off every arrival. A caller that asks for more
 * (its own latency setting) gets more, which then shows as latency.
 */
export const SRT_RECEIVE_LATENCY = 120;

/** libsrt's log line when a caller's passphrase does not match. */
const WRONG_PASSPHRASE = /BADSECRET|Incorrect passphrase/;

/**
 * An SRT listener for one stream: ffmpeg (libsrt) listens in `listener`
 * mode and relays the caller's packets unchanged (`-c copy`) to Node, where
 * a {@link SrtFeed} takes them, twice: as MPEG-TS on stdout (every video,
 * audio and subtitle track; the capture clock reads its PTS) and as NUT on
 * a second pipe (video and audio), which the transcoder reads. The
 * transcoder's own MPEG-TS demuxer would hold each frame two frame
 * intervals, as the relay's does ({@link MPEGTS_DEMUX_HOLD_FRAMES}); from
 * NUT it takes each frame as it is written (a frame's first bytes into the
 * relay to its decode, on a pipe at 30 fps: 156 → 89 ms at p50, a one-off
 * scratch measurement). MPEG-TS subtitles (DVB bitmaps, teletext) have no
 * WebVTT path, and some have no NUT codec tag: they stay out of NUT.
 *
 * ffmpeg, not Node, is the SRT endpoint: there is no maintained
 * SRT implementation on npm, and libsrt does the handshake, encryption and
 * retransmission. A wrong passphrase fails in libsrt's handshake, so
 * nothing of that caller is ever read; it is logged with the stream name.
 * After a caller leaves, a new listener process waits for the next one.
 */
export class SrtListener {
  #options: SrtListenerOptions;
  #logger: Logger;
  #supervisor: FfmpegSupervisor | undefined;
  #feed: SrtFeed | undefined;
  #closed = false;
  #passphrase: string | undefined;

  constructor(options: SrtListenerOptions) {
    this.#options = options;
    this.#passphrase = options.passphrase;
    this.#logger = options.logger.child({ component: 'srt', stream: options.stream, port: options.port });
  }

  /** The listener process's status; undefined before {@link SrtListener.start}. */
  status(): FfmpegStatus | undefined {
    return this.#supervisor?.status();
  }

  /** Starts listening. */
  start(): void {
    if (this.#closed || this.#supervisor !== undefined) return;
    const options = this.#options;
    const passphrase = this.#passphrase;
    const host = options.host ?? '0.0.0.0';
    const url = `srt://${host.includes(':') ? `[${host}]` : host}:${options.port}?mode=listener`;
    const supervisor = new FfmpegSupervisor({
      ...options.supervision,
      command: options.ffmpegPath,
      logger: this.#logger,
      stdout: 'pipe',
      // The NUT copy for the transcoder, after the ffconcat list's descriptor (one text).
      outputPipes: 1,
      endOnSuccess: true,
      redact: passphrase === undefined ? [] : [passphrase],
      args: () => ({
        args: [
          ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'],
          // ffmpeg's default 5 s of stream analysis would be held back and then stay, as a
          // backlog, between capture and availabilityStartTime for the whole session.
          ...['-analyzeduration', '1000000'],
          // The URL and passphrase come from an ffconcat list on a pipe: never in the command line.
          ...concatInputArgs('srt'),
          // Each packet out as it comes, with no output buffering. `-max_interleave_delta 0` would
          // mean the opposite (wait for a packet of every stream): a publisher that bundles its
          // audio into PES packets of 0.2-0.35 s (ffmpeg's default muxdelay) then held the video
          // back by a saw-tooth of 0-130 ms (p95 126 ms above the earliest frame, measured through
          // this relay); 1 µs lets nothing wait for interleaving (p95 57 ms). Both copies carry the
          // same timestamps (ffmpeg shifts its input's once, for every output; checked with
          // ffprobe on a B-frame stream), and ffmpeg smooths a jump in the caller's MPEG-TS
          // timestamps (an encoder restart) for both, as it does for any MPEG-TS input: so no
          // `-copyts`, which would turn that off.
          ...['-map', '0:v?', '-map', '0:a?', '-map', '0:s?', '-c', 'copy', '-muxdelay', '0', '-max_interleave_delta', '1', '-flush_packets', '1', '-f', 'mpegts', 'pipe:1'],
          ...['-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-max_interleave_delta', '1', '-flush_packets', '1', '-write_index', '0', '-f', 'nut', outputPipeUrl(1, 0)],
        ],
        fdTexts: [
          concatList(url, [
            ...(passphrase === undefined ? [] : [['passphrase', passphrase], ['pbkeylen', '16']] as const),
            // ffmpeg's srt option is in microseconds.
            ['latency', String(SRT_RECEIVE_LATENCY * 1000)],
            // The inner input's analysis too (the concat demuxer opens it with these options).
            ['analyzeduration', '1000000'],
          ]),
        ],
      }),
      onSpawn: (child) => this.#relay(child),
      onStateChange: (status) => this.#onStateChange(supervisor, status),
    });
    this.#supervisor = supervisor;
    supervisor.start();
    this.#logger.info({ encrypted: passphrase !== undefined }, 'SRT listener waiting for a caller');
  }

  /**
   * Changes the passphrase (a key rotation). libsrt takes it when the
   * listener process starts, so the listener restarts with it: at once when
   * no caller is connected or `dropCaller` is set, else when the connected
   * caller leaves (it is not cut off).
   */
  async setPassphrase(passphrase: string | undefined, { dropCaller = false }: { dropCaller?: boolean } = {}): Promise<void> {
    this.#passphrase = passphrase;
    if (this.#closed) return;
    if (this.#feed !== undefined && !dropCaller) {
      this.#logger.info('new SRT passphrase applies when the connected caller leaves');
      return;
    }
    const supervisor = this.#supervisor;
    this.#supervisor = undefined;
    this.#endFeed();
    await supervisor?.stop();
    this.start();
  }

  /**
   * Drops the current caller (if any) by restarting the listener process;
   * the next caller starts a new publish.
   */
  async dropCaller(): Promise<void> {
    if (this.#closed || this.#feed === undefined) return;
    const supervisor = this.#supervisor;
    this.#supervisor = undefined;
    this.#endFeed();
    this.#logger.info('SRT caller dropped');
    await supervisor?.stop();
    this.start();
  }

  /** Stops listening (and ends a publish in progress). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#endFeed();
    await this.#supervisor?.stop();
  }

  #relay(child: ChildProcess): void {
    const feed = (): SrtFeed => {
      if (this.#feed === undefined) {
        this.#feed = new SrtFeed({ transportDelay: SRT_RECEIVE_LATENCY });
        this.#logger.info('SRT caller connected');
        this.#options.onPublish(this.#feed);
      }
      return this.#feed;
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      const current = feed();
      const known = current.timestampProblem;
      current.pushTs(chunk);
      if (known === undefined && current.timestampProblem !== undefined) {
        // ffmpeg's relay cannot re-anchor an SRT caller's timeline (its input is the ffconcat
        // list that keeps the passphrase out of the command line, not an MPEG-TS input whose
        // discontinuities ffmpeg smooths): the publish ends, and the encoder's reconnect starts
        // a new one on its new timeline.
        this.#logger.warn({ reason: current.timestampProblem }, 'SRT caller dropped: its timestamps are unusable');
        void this.dropCaller();
      }
    });
    const nut = child.stdio[outputPipeDescriptor(1, 0)] as Readable | null | undefined;
    nut?.on('data', (chunk: Buffer) => feed().push(chunk));
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('latin1')).split('\n');
      partial = (lines.pop() ?? '').slice(-1000);
      if (lines.some((line) => WRONG_PASSPHRASE.test(line))) {
        this.#logger.warn({ reason: 'wrong passphrase (stream key)' }, 'SRT caller refused');
      }
    });
  }

  #endFeed(): void {
    const feed = this.#feed;
    if (feed === undefined) return;
    this.#feed = undefined;
    feed.end();
    this.#logger.info({ bytes: feed.bytes, dropped: feed.dropped }, 'SRT caller gone');
    this.#options.onUnpublish(feed);
  }

  #onStateChange(supervisor: FfmpegSupervisor, status: FfmpegStatus): void {
    if (status.state === 'running') return;
    // The process of a caller's publish exited: that publish is over.
    this.#endFeed();
    if (this.#closed || supervisor !== this.#supervisor) return;
    if (status.state === 'ended') {
      this.#supervisor = undefined;
      this.start();
    } else if (status.state === 'failed') {
      const last = status.lastExit?.lastLines.at(-1) ?? status.lastExit?.error ?? 'no output';
      this.#options.onFailed(`SRT listener on port ${this.#options.port} failed: ${last}`);
    }
  }
}
