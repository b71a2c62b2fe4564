import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { KeyFormatError, toKeyHashes, type KeyHash } from '../auth/key-hash.js';
import { clientKey, type FailureLimiter } from '../auth/failure-limiter.js';
import { IngestCredentials, type IngestCredential } from '../auth/ingest-credentials.js';
import { decoyKeyRing, StreamKeyRing, type PublishKeys, type StreamKeyRingOptions } from '../auth/stream-keys.js';
import type { LatencyConfig, StreamSourceConfig, SubtitleFileConfig, TranscodeConfig } from '../config/config-schema.js';
import type { OriginMetrics } from '../metrics/origin-metrics.js';
import { checkStreamName } from '../origin/names.js';
import { CaptureClock, parseCaptureLine, type CaptureReference } from '../packaging/capture-reference.js';
import { ArrivalClock } from '../sources/arrival-clock.js';
import { FrameReports } from '../sources/frame-reports.js';
import type { PreparedManifest } from '../packaging/manifest.js';
import {
  checkPullSource,
  pullInvocation,
  PullSourceError,
  redactUrl,
  resolvePullInput,
  urlSecrets,
  type PullInput,
  type PullSourceConfig,
} from '../sources/pull-source.js';
import type { SegmentStore } from '../store/segment-store.js';
import {
  buildTranscodeArgs,
  runTag,
  TEST_SOURCE_FRAME_RATE,
  TEST_SOURCE_PROBE, outputFps, type ExtraOutputArgs, type TranscodeInput } from '../transcode/ffmpeg-args.js';
import {
  FfmpegSupervisor,
  type FfmpegInvocation,
  type FfmpegState,
  type FfmpegStatus,
  type FfmpegSupervisorOptions,
} from '../transcode/ffmpeg-supervisor.js';
import { InputError, probeInput, type InputProbe, type ProbeTarget } from '../transcode/probe-input.js';
import { endedManifest } from './ended-manifest.js';
import type { IngestMeter } from './ingest-meter.js';
import type { MediaFeed } from './media-feed.js';
import { RtmpIngest, type PublishDecision, type RtmpLimits, type RtmpPublisher, type RtmpPublishRequest } from './rtmp-server.js';
import { checkSrtPassphrase, SrtListener, type SrtFeed } from './srt-listener.js';
import { MPEGTS_DEMUX_HOLD_FRAMES } from './ts-timestamps.js';

/**
 * Lifecycle state of a stream: `starting` (a publish or pull began; probing,
 * or transcoding before the first manifest, or restarting its ffmpeg),
 * `live` (the current ffmpeg run's manifest is served), `offline` (no
 * publisher, or the input ended), `error` (the input cannot be used or
 * ffmpeg kept failing; see the reason).
 */
export type StreamState = 'starting' | 'live' | 'offline' | 'error';

/**
 * Where a managed stream's input comes from: a config source, or the
 * built-in test pattern (which may bring its own ffmpeg binary, ladder and
 * restart timing).
 */
export type ManagedSource =
  | StreamSourceConfig
  | { type: 'test'; fontFile: string; ffmpegPath?: string | undefined; transcode?: TranscodeConfig | undefined; supervision?: SupervisionOptions | undefined };

/** A stream the manager runs. */
export interface ManagedStream {
  /** `[A-Za-z0-9_-]{1,64}`. */
  name: string;
  /**
   * Stream key(s) publishers must present: RTMP (`?key=` or last path
   * element), SRT (the passphrase, 10 to 79 characters; one plain key),
   * HTTP ingest (`Authorization: Bearer` or `?key=`). Plain keys or
   * `$scrypt$` hashes; plain ones are hashed when the stream is declared and
   * not kept (except an SRT passphrase). Any key of a list is accepted.
   * Without one anyone may publish.
   */
  key?: string | readonly string[] | undefined;
  /** Playback needs a signed URL. @defaultValue false */
  private?: boolean | undefined;
  source: ManagedSource;
  subtitles?: SubtitleFileConfig[] | undefined;
}

/** One Representation of a stream's current manifest. */
export interface RenditionSummary {
  /** Representation@id. */
  id: string;
  /** `video`, `audio`, `text`, from the AdaptationSet. */
  contentType: string | null;
  codecs: string | null;
  /** Representation@bandwidth, bits/s. */
  bandwidth: number | null;
  width: number | null;
  height: number | null;
  /** AdaptationSet@lang. */
  language: string | null;
}

/** A publish (or pull run) of a stream. */
export interface SessionSummary {
  /** Random id, new for every publish. */
  id: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601, once it ended. */
  endedAt: string | null;
  /** Remote address of the RTMP publisher. */
  publisher: string | null;
  /** Segment-name tag of the current ffmpeg run (new on every ffmpeg start). */
  runTag: string | null;
}

/** The stream's transcoding ffmpeg. */
export interface TranscoderSummary {
  state: FfmpegState;
  pid: number | null;
  /** Restarts in this session. */
  restarts: number;
  /** Encoding speed ffmpeg last reported (1 = real time). */
  speed: number | null;
  lastExit: { code: number | null; signal: string | null; at: string; lastLines: string[] } | null;
}

/** What `GET /api/streams` says about a stream. */
export interface StreamSummary {
  name: string;
  source: { type: ManagedSource['type']; url?: string; loop?: boolean; port?: number };
  /** Whether publishing needs a stream key. */
  keyRequired: boolean;
  /** How many publish keys are valid (0 without a key). */
  keyCount: number;
  /** Whether playback needs a signed URL. */
  private: boolean;
  state: StreamState;
  /** Why it is in that state (null when live). */
  reason: string | null;
  /** When it entered that state, ISO 8601. */
  since: string;
  /** The current or last session; null if there was none. */
  session: SessionSummary | null;
  /** From the served manifest; empty when there is none. */
  renditions: RenditionSummary[];
  /** Bytes publishers pushed into the store over the last seconds, as bits/s. */
  ingestBitrate: number;
  /** Segment responses being sent right now (a player holds about one per media type it plays). */
  viewers: number;
  transcoder: TranscoderSummary | null;
  /** Path of the manifest, e.g. `/live/demo/manifest.mpd`. */
  manifest: string;
}

/** A stream of that name exists already. */
export class StreamExistsError extends Error {
  override readonly name = 'StreamExistsError';
}

/** A stream declaration that cannot be run (the message says why). */
export class InvalidStreamError extends Error {
  override readonly name = 'InvalidStreamError';
}

/** Restart and stop timing of every ffmpeg the manager runs. */
export type SupervisionOptions = Pick<
  FfmpegSupervisorOptions,
  'initialRestartDelay' | 'maxRestartDelay' | 'healthyRunTime' | 'maxRestarts' | 'stopTimeout'
>;

/** Options of {@link StreamManager}. */
export interface StreamManagerOptions {
  store: SegmentStore;
  logger: Logger;
  transcode: TranscodeConfig;
  latency: LatencyConfig;
  /** Counts the store's ingest per stream, for the ingest bitrate. */
  ingestMeter?: IngestMeter | undefined;
  /** ffmpeg binary. @defaultValue `'ffmpeg'` */
  ffmpegPath?: string | undefined;
  /** ffprobe binary. @defaultValue `'ffprobe'` */
  ffprobePath?: string | undefined;
  /**
   * The RTMP listener, started when a stream with an `rtmp` source is
   * declared, and its memory and time bounds (see {@link RtmpLimits});
   * false for none.
   * @defaultValue port 1935 on all addresses, `DEFAULT_RTMP_LIMITS`
   */
  rtmp?: { port: number; host?: string | undefined; limits?: RtmpLimits | undefined } | false | undefined;
  /** Run SRT listeners for streams with an `srt` source. @defaultValue true */
  srt?: boolean | undefined;
  /** Address SRT listeners bind. @defaultValue `'0.0.0.0'` */
  srtHost?: string | undefined;
  /** Accept HTTP publishes to undeclared streams without a key (see {@link PublishKeys.openIngest}). @defaultValue false */
  openIngest?: boolean | undefined;
  /** Where stream states and ffmpeg restarts and speed are reported. */
  metrics?: Pick<OriginMetrics, 'ffmpegRestarted' | 'ffmpegSpeed' | 'streamState' | 'removeStream'> | undefined;
  /** Timing of every ffmpeg's restarts (see {@link FfmpegSupervisor}); capped at 5 restarts in a row by default. */
  supervision?: SupervisionOptions | undefined;
  /** Longest wait for an input to answer, seconds (ffprobe, and ffmpeg's network reads). @defaultValue 10 s */
  inputTimeout?: number | undefined;
  /** How long a rotated-out key stays valid for the publisher still using it (see {@link StreamKeyRing}). */
  keyRing?: StreamKeyRingOptions | undefined;
  /** Counts wrong RTMP stream keys per client (shared with the HTTP routes); none: unlimited. */
  keyFailures?: FailureLimiter | undefined;
  /** Pulled streams: where files may come from, how many, how many probed at once. */
  pull?: PullLimits | undefined;
  /**
   * A live stream whose transcoder delivered nothing for this long,
   * seconds, has its transcoder restarted (a timestamp jump, a hung input
   * or encoder): the stream is `starting` again, not reported `live` while
   * its segments 404. At least 4 segment durations.
   * @defaultValue 6 s
   */
  stallTimeout?: number | undefined;
  /** Extra outputs (subtitle tracks) of a stream's transcoder, built per ffmpeg run. */
  subtitleOutputs?: ((context: { stream: string; probe: InputProbe; runTag: string; originUrl: string }) => ExtraOutputArgs[]) | undefined;
}

/** Limits of pulled streams ({@link StreamManagerOptions.pull}). */
export interface PullLimits {
  /**
   * Directories files may be pulled from by {@link StreamManager.add} (the
   * stream API), checked after symlinks are resolved. Streams the config
   * file declares may read any file the origin's user can read.
   * @defaultValue none: the API pulls URLs only
   */
  mediaDirectories?: readonly string[] | undefined;
  /** Pulled streams at most, declared and added together. @defaultValue 16 */
  maxStreams?: number | undefined;
  /** Inputs probed (ffprobe) at once; the rest wait their turn. @defaultValue 2 */
  maxConcurrentProbes?: number | undefined;
}

/** The stream cannot be added: a configured limit is reached (the message names it). */
export class StreamLimitError extends Error {
  override readonly name = 'StreamLimitError';
}

/** Accepts no key: only the session's transcoder publishes to streams that have it. */
const NO_KEYS = new StreamKeyRing([]);

/** The manifest name ffmpeg publishes and players load. */
const MANIFEST = 'manifest.mpd';

/** How often manifests are checked for liveness and ingest is sampled, ms. */
const TICK = 250;

interface Session {
  readonly id: string;
  readonly startedAt: Date;
  endedAt: Date | undefined;
  readonly publisher: RtmpPublisher | undefined;
  readonly feed: MediaFeed | undefined;
  readonly runTags: string[];
  readonly abort: AbortController;
  supervisor: FfmpegSupervisor | undefined;
  speed: number | undefined;
  /** Capture clock of the running ffmpeg (test source only). */
  readonly captureClock: CaptureClock;
  /** What the session's transcoder presents to the ingest route, revoked when the session ends. */
  readonly credential: IngestCredential;
  /** The watchdog restarted the transcoder: it delivered nothing for the stall timeout. */
  stalled: boolean;
  ended: boolean;
  /** Resolves when the session's ffmpeg has stopped and its manifest is ended. */
  finished: Promise<void>;
}

interface Entry {
  /** The declaration, without its key. */
  readonly config: ManagedStream;
  /** Publish keys, hashed; null: anyone may publish. */
  keys: StreamKeyRing | null;
  /** The plain SRT passphrase (the one key libsrt needs in plain form). */
  srtPassphrase: string | undefined;
  state: StreamState;
  reason: string | null;
  since: Date;
  session: Session | undefined;
  srt: SrtListener | undefined;
  manifest: PreparedManifest | undefined;
  renditions: RenditionSummary[];
  ingestBitrate: number;
  /** A pulled stream's checked input (its file resolved), once checked. */
  pullInput: PullInput | undefined;
}

/** How a session gets its input. */
interface SessionPlan {
  input: TranscodeInput;
  probe: (signal: AbortSignal) => Promise<InputProbe>;
  publisher?: RtmpPublisher;
  feed?: MediaFeed;
  /** ffmpeg exiting with 0 means the input finished (a file without loop). */
  finite: boolean;
  /** ffmpeg reports capture times on stderr (the test pattern's `showinfo@capture`). */
  reportsCapture?: boolean;
  /**
   * The transcoder reads a live network input itself (a pulled URL read as
   * it comes): its frames are timed when it reports them, less what its
   * demuxer held them ({@link MPEGTS_DEMUX_HOLD_FRAMES} for MPEG-TS).
   */
  liveNetworkInput?: boolean;
  /** Secrets of the input (a URL's password), kept out of logs and the API. */
  secrets?: readonly string[];
  /** Overrides of the manager's ffmpeg binary, ladder and restart timing (test source). */
  ffmpegPath?: string | undefined;
  transcode?: TranscodeConfig | undefined;
  supervision?: SupervisionOptions | undefined;
}

function describeExit(status: FfmpegStatus): string {
  const exit = status.lastExit;
  if (exit === undefined) return 'no exit';
  const how = exit.error ?? (exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`);
  const line = exit.lastLines.at(-1);
  return line === undefined ? how : `${how}: ${line}`;
}

function attribute(element: Element, name: string): string | null {
  const value = element.getAttribute(name);
  return value === null || value === '' ? null : value;
}

function numberAttribute(element: Element, name: string): number | null {
  const value = Number(element.getAttribute(name) ?? Number.NaN);
  return Number.isFinite(value) ? value : null;
}

/** The Representations of a served manifest, for the API. */
function readRenditions(manifest: PreparedManifest): RenditionSummary[] {
  const document = new DOMParser().parseFromString(manifest.render('http://localhost/time'), 'text/xml');
  return [...document.getElementsByTagNameNS('*', 'Representation')].map((representation) => {
    const set = representation.parentNode as Element;
    const mimeType = attribute(representation, 'mimeType') ?? attribute(set, 'mimeType');
    return {
      id: representation.getAttribute('id') ?? '',
      contentType: attribute(set, 'contentType') ?? mimeType?.split('/')[0] ?? null,
      codecs: attribute(representation, 'codecs') ?? attribute(set, 'codecs'),
      bandwidth: numberAttribute(representation, 'bandwidth'),
      width: numberAttribute(representation, 'width'),
      height: numberAttribute(representation, 'height'),
      language: attribute(set, 'lang'),
    };
  });
}

/**
 * Owns every stream of the origin and its sessions. A session is one
 * publish (RTMP, SRT) or pull run: input → `probeInput` → one supervised
 * ffmpeg running `buildTranscodeArgs` → the origin's own `/ingest` (with
 * the per-process internal token). A new publish is a new session: new
 * session id, new segment-name tag, new availabilityStartTime.
 *
 * When a session ends (publisher gone, input ended, or ffmpeg failed
 * `maxRestarts + 1` times in a row), its ffmpeg is stopped with SIGTERM,
 * which makes the dash muxer write its final, static MPD; if ffmpeg could
 * not (it crashed), the origin ends the manifest itself
 * ({@link endedManifest}). Players thus see the presentation end instead
 * of waiting for segments that will not come.
 *
 * Bad input (a wrong key, an unknown stream, a file that does not exist,
 * a URL that does not answer, no video) ends in a refused publish or the
 * stream's `error` state with a reason, and a log line naming the stream;
 * other streams are not affected.
 */
export class StreamManager {
  #options: StreamManagerOptions;
  #logger: Logger;
  #streams = new Map<string, Entry>();
  #credentials = new IngestCredentials();
  /** Probes of pulled inputs, a few at a time. */
  #probes: PQueue;
  #rtmp: RtmpIngest | undefined;
  #originUrl: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;
  #closed = false;

  constructor(options: StreamManagerOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#probes = new PQueue({ concurrency: options.pull?.maxConcurrentProbes ?? 2 });
  }

  /** What the ingest route checks publish keys against. */
  get publishKeys(): PublishKeys {
    const streams = this.#streams;
    return {
      isTranscoder: (stream, presented) => this.#credentials.accepts(stream, presented),
      openIngest: this.#options.openIngest ?? false,
      streamKeys: (stream) => {
        const entry = streams.get(stream);
        if (entry === undefined) return undefined;
        // A pulled stream or the test source is published by the origin's own
        // ffmpeg: without a key of its own, no outside HTTP publisher may write to it.
        if (entry.keys === null && (entry.config.source.type === 'pull' || entry.config.source.type === 'test')) return NO_KEYS;
        return entry.keys;
      },
    };
  }

  /** The bound RTMP port; undefined when RTMP is not running. */
  get rtmpPort(): number | undefined {
    return this.#rtmp?.port;
  }

  /**
   * Adds a stream at run time (the stream API). Pulled streams start at
   * once if the manager is started; pushed ones wait for their publisher.
   * A pulled file must be in {@link PullLimits.mediaDirectories}; a file
   * that is missing, unreadable or elsewhere gets the same answer.
   * @returns its summary.
   * @throws StreamExistsError if the name is taken.
   * @throws StreamLimitError if {@link PullLimits.maxStreams} pulled streams exist.
   * @throws InvalidStreamError if the name, the key or the source cannot be used
   *   (e.g. an SRT key that is not 10 to 79 characters, a scheme that is
   *   not accepted, a file outside the media directories).
   */
  async add(stream: ManagedStream): Promise<StreamSummary> {
    this.#validate(stream);
    const { source } = stream;
    let pullInput: PullInput | undefined;
    if (source.type === 'pull') {
      this.#checkPullCount();
      pullInput = await this.#resolvePull(stream.name, source, this.#options.pull?.mediaDirectories ?? []);
      // Checked again: another may have been added while the file was checked.
      this.#checkPullCount();
    }
    // Checked again: the name may have been taken while the file was checked.
    this.#validate(stream);
    const entry = this.#register(stream);
    entry.pullInput = pullInput;
    if (this.#originUrl !== undefined) await this.#activate(entry);
    return this.#summary(entry);
  }

  /**
   * Declares the streams of the config. Unlike {@link StreamManager.add},
   * a source that cannot be used does not throw: the stream is listed in
   * state `error` with the reason.
   * @throws StreamExistsError or InvalidStreamError for a name or key that cannot be used.
   */
  declare(streams: readonly ManagedStream[]): void {
    for (const stream of streams) {
      this.#validate(stream);
      if (stream.source.type === 'pull') {
        this.#checkPullCount();
        try {
          checkPullSource(stream.source);
        } catch (error) {
          if (error instanceof PullSourceError) throw new InvalidStreamError(`stream ${stream.name}: ${error.message}`);
          throw error;
        }
      }
      this.#register(stream);
    }
  }

  #checkPullCount(): void {
    const max = this.#options.pull?.maxStreams ?? 16;
    const pulled = [...this.#streams.values()].filter((entry) => entry.config.source.type === 'pull').length;
    if (pulled >= max) throw new StreamLimitError(`at most ${max} pulled streams may run (pull.maxStreams); remove one first`);
  }

  async #resolvePull(name: string, source: PullSourceConfig, mediaDirectories: readonly string[] | 'any'): Promise<PullInput> {
    try {
      return await resolvePullInput(source, { mediaDirectories });
    } catch (error) {
      if (error instanceof PullSourceError) throw new InvalidStreamError(`stream ${name}: ${error.message}`);
      throw error;
    }
  }

  /** Whether playback of `name` needs a signed URL (false for undeclared streams). */
  isPrivate(name: string): boolean {
    return this.#streams.get(name)?.config.private === true;
  }

  /**
   * Replaces a stream's publish keys without a restart (a rotation). A
   * publisher already connected is not cut off: RTMP and SRT check the key
   * when a publish starts; an HTTP publisher may keep using a removed key
   * while it keeps publishing (see {@link StreamKeyRingOptions.retiredKeyIdle}).
   * With `cutOff`, a removed key stops working at once and the stream's
   * current RTMP or SRT publisher is disconnected.
   *
   * For an SRT stream the one key is the listener's passphrase: the
   * listener restarts with it when no caller is connected (at once, or when
   * the current caller leaves; at once with `cutOff`).
   * @param keys plain keys or `$scrypt$` hashes; an empty list means anyone may publish.
   * @returns whether the stream exists.
   * @throws InvalidStreamError for a key that cannot be used (an empty one, a malformed hash, an SRT key that is no passphrase).
   */
  async setKeys(name: string, keys: string | readonly string[], { cutOff = false }: { cutOff?: boolean } = {}): Promise<boolean> {
    const entry = this.#streams.get(name);
    if (entry === undefined) return false;
    const list = typeof keys === 'string' ? [keys] : keys;
    if (entry.config.source.type === 'srt') {
      if (list.length > 1) throw new InvalidStreamError(`stream ${name}: an SRT stream takes one key (its SRT passphrase)`);
      const passphrase = list[0];
      const problem = passphrase === undefined ? undefined : checkSrtPassphrase(passphrase);
      if (problem !== undefined) throw new InvalidStreamError(`stream ${name}: ${problem}`);
    }
    const hashes = this.#hashes(name, list);
    if (hashes.length === 0) entry.keys = null;
    else if (entry.keys === null) entry.keys = new StreamKeyRing(hashes, this.#options.keyRing);
    else entry.keys.replace(hashes, { cutOff });
    this.#logger.info({ stream: name, keys: hashes.length, cutOff }, 'stream keys replaced');
    if (entry.config.source.type === 'srt') {
      entry.srtPassphrase = list[0];
      await entry.srt?.setPassphrase(entry.srtPassphrase, { dropCaller: cutOff });
    }
    if (cutOff && entry.session !== undefined && !entry.session.ended && (entry.session.publisher !== undefined || entry.session.feed !== undefined)) {
      await this.#end(entry, entry.session, 'offline', 'publisher disconnected: stream keys replaced');
    }
    return true;
  }

  #hashes(name: string, keys: string | readonly string[]): KeyHash[] {
    try {
      return toKeyHashes(keys);
    } catch (error) {
      if (error instanceof KeyFormatError) throw new InvalidStreamError(`stream ${name}: ${error.message}`);
      throw error;
    }
  }

  /**
   * Starts the RTMP listener (if a stream uses RTMP), the SRT listeners,
   * pulled streams and the test source.
   * @param originUrl base URL the origin's own ffmpeg pushes to, e.g. `http://127.0.0.1:8080`.
   * @throws the RTMP listen error (e.g. the port is taken); nothing is left running then.
   */
  async start(originUrl: string): Promise<void> {
    if (this.#originUrl !== undefined || this.#closed) return;
    const rtmp = this.#options.rtmp ?? { port: 1935 };
    const usesRtmp = [...this.#streams.values()].some((entry) => entry.config.source.type === 'rtmp');
    if (rtmp !== false && usesRtmp) {
      const ingest = new RtmpIngest({
        port: rtmp.port,
        host: rtmp.host,
        limits: rtmp.limits,
        logger: this.#logger,
        authorize: (request) => this.#authorizeRtmp(request),
        onPublish: (publisher) => this.#onRtmpPublish(publisher),
        onUnpublish: (publisher) => this.#onRtmpUnpublish(publisher),
      });
      await ingest.listen();
      this.#rtmp = ingest;
    }
    this.#originUrl = originUrl;
    this.#timer = setInterval(() => this.#tick(), TICK);
    this.#timer.unref();
    for (const entry of this.#streams.values()) await this.#activate(entry);
  }

  /** Every stream, in declaration order. */
  list(): StreamSummary[] {
    return [...this.#streams.values()].map((entry) => this.#summary(entry));
  }

  /** The stream named `name`, if declared. */
  get(name: string): StreamSummary | undefined {
    const entry = this.#streams.get(name);
    return entry === undefined ? undefined : this.#summary(entry);
  }

  /** The transcoding ffmpeg of `name`'s current session, if one runs. */
  supervisor(name: string): FfmpegSupervisor | undefined {
    return this.#streams.get(name)?.session?.supervisor;
  }

  /**
   * Where `name`'s media timeline meets the capture clock, from its running
   * ffmpeg's reports (about once a second, see {@link CaptureClock}); undefined for sources
   * without a capture clock (RTMP, SRT, pulled URLs: only the test pattern
   * stamps capture time) and until the current ffmpeg run's first report.
   */
  captureReference(name: string): CaptureReference | undefined {
    return this.#streams.get(name)?.session?.captureClock.reference;
  }

  /**
   * The capture clock of `name`'s current session (see {@link CaptureClock}):
   * capture times per frame, for the `prft` boxes of its segments and the
   * MPD's availabilityStartTime; undefined without a session.
   */
  captureClock(name: string): CaptureClock | undefined {
    return this.#streams.get(name)?.session?.captureClock;
  }

  /**
   * Removes a stream: its publisher is disconnected, its ffmpeg stopped,
   * its manifest ended.
   * @returns whether it existed.
   */
  async remove(name: string): Promise<boolean> {
    const entry = this.#streams.get(name);
    if (entry === undefined) return false;
    this.#streams.delete(name);
    await entry.srt?.close();
    if (entry.session !== undefined) await this.#end(entry, entry.session, 'offline', 'stream removed');
    this.#options.metrics?.removeStream(name);
    this.#options.ingestMeter?.forget(name);
    this.#logger.info({ stream: name }, 'stream removed');
    return true;
  }

  /** Stops everything: listeners, publishers, every ffmpeg. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#rtmp?.close();
    await Promise.all(
      [...this.#streams.values()].map(async (entry) => {
        await entry.srt?.close();
        if (entry.session !== undefined) await this.#end(entry, entry.session, 'offline', 'origin stopping');
      }),
    );
  }

  #validate(stream: ManagedStream): void {
    const nameProblem = checkStreamName(stream.name);
    if (nameProblem !== undefined) throw new InvalidStreamError(nameProblem.problem);
    if (this.#streams.has(stream.name)) throw new StreamExistsError(`stream ${stream.name} exists already`);
    if (stream.key !== undefined && (stream.key === '' || (typeof stream.key !== 'string' && stream.key.some((key) => key === '')))) {
      throw new InvalidStreamError(`stream ${stream.name}: the stream key must not be empty`);
    }
    const { source } = stream;
    if (source.type === 'srt') {
      if (stream.key !== undefined && typeof stream.key !== 'string') {
        throw new InvalidStreamError(`stream ${stream.name}: an SRT stream takes one key (its SRT passphrase)`);
      }
      const problem = stream.key === undefined ? undefined : checkSrtPassphrase(stream.key);
      if (problem !== undefined) throw new InvalidStreamError(`stream ${stream.name}: ${problem}`);
      for (const other of this.#streams.values()) {
        if (other.config.source.type === 'srt' && other.config.source.port === source.port) {
          throw new InvalidStreamError(`stream ${stream.name}: SRT port ${source.port} is already used by stream ${other.config.name}`);
        }
      }
    }
    if (source.type === 'pull' && source.url.trim() === '') throw new InvalidStreamError(`stream ${stream.name}: the pull URL must not be empty`);
  }

  #register(stream: ManagedStream): Entry {
    const { key, ...config } = stream;
    const hashes = key === undefined ? [] : this.#hashes(stream.name, key);
    const entry: Entry = {
      config,
      keys: hashes.length === 0 ? null : new StreamKeyRing(hashes, this.#options.keyRing),
      srtPassphrase: stream.source.type === 'srt' && typeof key === 'string' ? key : undefined,
      state: 'offline',
      reason: 'not started',
      since: new Date(),
      session: undefined,
      srt: undefined,
      manifest: undefined,
      renditions: [],
      ingestBitrate: 0,
      pullInput: undefined,
    };
    this.#streams.set(stream.name, entry);
    return entry;
  }

  /** Starts what a declared stream does by itself once the origin listens. */
  async #activate(entry: Entry): Promise<void> {
    const { source, name } = entry.config;
    switch (source.type) {
      case 'rtmp':
        if (this.#rtmp === undefined) this.#setState(entry, 'error', 'RTMP ingest is disabled (rtmp.enabled: false)');
        else this.#setState(entry, 'offline', `waiting for an RTMP publisher on port ${this.#rtmp.port}`);
        return;
      case 'srt':
        if (this.#options.srt === false) {
          this.#setState(entry, 'error', 'SRT ingest is disabled (srt.enabled: false)');
          return;
        }
        entry.srt = new SrtListener({
          stream: name,
          port: source.port,
          host: this.#options.srtHost,
          passphrase: entry.srtPassphrase,
          ffmpegPath: this.#options.ffmpegPath ?? 'ffmpeg',
          logger: this.#logger,
          supervision: this.#options.supervision,
          onPublish: (feed) => this.#onSrtPublish(entry, feed),
          onUnpublish: (feed) => {
            const reason = feed.timestampProblem === undefined ? 'publisher disconnected' : `publisher dropped: ${feed.timestampProblem}`;
            if (entry.session?.feed === feed) void this.#end(entry, entry.session, 'offline', reason);
          },
          onFailed: (reason) => this.#setState(entry, 'error', reason),
        });
        entry.srt.start();
        this.#setState(entry, 'offline', `waiting for an SRT caller on port ${source.port}`);
        return;
      case 'pull': {
        let pulled = entry.pullInput;
        if (pulled === undefined) {
          try {
            // Declared in the config file: the operator's, any readable file.
            pulled = await this.#resolvePull(name, source, 'any');
          } catch (error) {
            if (!(error instanceof InvalidStreamError)) throw error;
            this.#setState(entry, 'error', error.message);
            return;
          }
          entry.pullInput = pulled;
        }
        const input = pulled;
        const timeout = this.#options.inputTimeout;
        const secrets = input.kind === 'url' ? urlSecrets(input.url) : [];
        const label = input.kind === 'url' ? redactUrl(input.url.href) : input.path;
        this.#begin(entry, {
          input: pullInvocation(input, { timeout }),
          // A pulled input waits its turn: probes of many streams at once would hold a process each.
          probe: (signal) =>
            this.#probes.add(() => this.#probe({ ...pullInvocation(input, { timeout, forProbe: true }), label }, signal, secrets), { signal }),
          finite: !(source.loop ?? false),
          secrets,
          liveNetworkInput: input.kind === 'url' && input.source.nativeRate !== true,
        });
        return;
      }
      case 'test':
        this.#begin(entry, {
          input: { testSource: { fontFile: source.fontFile } },
          probe: async () => TEST_SOURCE_PROBE,
          finite: false,
          reportsCapture: true,
          ffmpegPath: source.ffmpegPath,
          transcode: source.transcode,
          supervision: source.supervision,
        });
    }
  }

  #probe(input: ProbeTarget, signal: AbortSignal, secrets: readonly string[] = []): Promise<InputProbe> {
    return probeInput(input, {
      ffprobePath: this.#options.ffprobePath,
      timeout: (this.#options.inputTimeout ?? 10) * 1000 + 5000,
      signal,
      redact: secrets,
    });
  }

  async #authorizeRtmp({ stream, key, ip }: RtmpPublishRequest): Promise<PublishDecision> {
    const limiter = this.#options.keyFailures;
    // `address:port` (IPv6 addresses have colons of their own).
    const client = clientKey(ip.replace(/:\d+$/, ''));
    if (limiter !== undefined && limiter.retryAfter(client) > 0) {
      return { accept: false, code: 'wrong-key', reason: `too many wrong stream keys or stream names from this address; refused unchecked` };
    }
    const entry = this.#streams.get(stream);
    if (entry === undefined || entry.config.source.type !== 'rtmp') {
      // Guessing names is guessing keys: it counts the same, and takes as long.
      if (key !== undefined) await (await decoyKeyRing()).verify(key);
      limiter?.fail(client);
      return { accept: false, code: 'unknown-stream', reason: `no stream ${stream} is declared for RTMP publishing` };
    }
    if (entry.keys !== null) {
      if (key === undefined) return { accept: false, code: 'missing-key', reason: `stream ${stream} needs its stream key` };
      if (!(await entry.keys.verify(key))) {
        limiter?.fail(client);
        return { accept: false, code: 'wrong-key', reason: `wrong stream key for stream ${stream}` };
      }
    }
    if (entry.session !== undefined && !entry.session.ended) {
      return { accept: false, code: 'busy', reason: `stream ${stream} already has a publisher` };
    }
    return { accept: true };
  }

  #onRtmpPublish(publisher: RtmpPublisher): void {
    const entry = this.#streams.get(publisher.stream);
    if (entry === undefined) {
      publisher.disconnect();
      return;
    }
    const { feed } = publisher;
    this.#begin(entry, {
      // The publish as FLV on the transcoder's stdin: no network input, no secret in its
      // command line. Probed already (#probeFeed); the bound keeps ffmpeg from holding 5 s
      // of FLV (its default analyzeduration) as a backlog for the whole session.
      input: { args: ['-f', 'flv', '-analyzeduration', '1000000', '-i', 'pipe:0'] },
      probe: (signal) => this.#probeFeed(feed, signal, 'flv'),
      feed,
      publisher,
      // ffmpeg reads to the end of its stdin only when the publish is over.
      finite: true,
    });
  }

  #onRtmpUnpublish(publisher: RtmpPublisher): void {
    const entry = this.#streams.get(publisher.stream);
    if (entry?.session?.publisher !== publisher) return;
    const problem = publisher.feed.timestampProblem;
    void this.#end(entry, entry.session, 'offline', problem === undefined ? 'publisher disconnected' : `publisher dropped: ${problem}`);
  }

  #onSrtPublish(entry: Entry, feed: SrtFeed): void {
    if (entry.session !== undefined && !entry.session.ended) {
      // A caller cannot replace a live one: the listener takes one caller at a time.
      feed.end();
      return;
    }
    this.#begin(entry, {
      // The relay's NUT copy of the caller's packets (see SrtListener). The stream was probed
      // already (#probeFeed); without a bound the transcoder would sit on 5 s of it (ffmpeg's
      // default analyzeduration) before its first output, and that backlog would stay between
      // capture and availabilityStartTime for the whole session.
      input: { args: ['-f', 'nut', '-analyzeduration', '1000000', '-i', 'pipe:0'] },
      probe: (signal) => this.#probeFeed(feed, signal, 'nut'),
      feed,
      finite: true,
    });
  }

  /** Probes a pushed publish (SRT's relayed NUT, RTMP's FLV) from its first second, written to a temporary file. */
  async #probeFeed(feed: MediaFeed, signal: AbortSignal, format: 'nut' | 'flv'): Promise<InputProbe> {
    const [who, what, tag] = format === 'flv' ? ['RTMP publisher', 'RTMP stream', 'rtmp'] : ['SRT caller', 'SRT stream', 'srt'];
    const head = await feed.head();
    if (head.length === 0) throw new InputError(`the ${who} left before sending any data`);
    const directory = await mkdtemp(join(tmpdir(), `llstream-${tag}-`));
    const file = join(directory, `head.${format}`);
    try {
      await writeFile(file, head);
      return await this.#probe({ args: ['-f', format, '-protocol_whitelist', 'file', '-i', `file:${file}`], label: `the ${what}` }, signal);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  #begin(entry: Entry, plan: SessionPlan): void {
    const previous = entry.session;
    const session: Session = {
      id: randomUUID(),
      startedAt: new Date(),
      endedAt: undefined,
      publisher: plan.publisher,
      feed: plan.feed,
      runTags: [],
      abort: new AbortController(),
      supervisor: undefined,
      speed: undefined,
      captureClock: new CaptureClock(),
      credential: this.#credentials.issue(entry.config.name),
      stalled: false,
      ended: false,
      finished: Promise.resolve(),
    };
    entry.session = session;
    this.#logger.info({ stream: entry.config.name, session: session.id, publisher: plan.publisher?.ip }, 'session started');
    this.#setState(entry, 'starting', 'probing the input');
    void this.#run(entry, session, plan, previous?.finished ?? Promise.resolve());
  }

  async #run(entry: Entry, session: Session, plan: SessionPlan, previousFinished: Promise<void>): Promise<void> {
    const { name } = entry.config;
    let probe: InputProbe;
    try {
      probe = await plan.probe(session.abort.signal);
    } catch (error) {
      if (!session.ended) await this.#end(entry, session, 'error', (error as Error).message);
      return;
    }
    // The previous session's ffmpeg must be gone before this one publishes under the same name.
    await previousFinished;
    const originUrl = this.#originUrl;
    if (session.ended || originUrl === undefined) return;
    const transcode = plan.transcode ?? this.#options.transcode;
    const { latency } = this.#options;
    const supervision = { ...this.#options.supervision, ...plan.supervision };
    const argsFor = (tag: string): FfmpegInvocation =>
      buildTranscodeArgs({
        input: plan.input,
        probe,
        transcode,
        latency,
        originUrl,
        stream: name,
        runTag: tag,
        ingestToken: session.credential.token,
        subtitleOutputs: this.#options.subtitleOutputs?.({ stream: name, probe, runTag: tag, originUrl }) ?? [],
      });
    try {
      // Once here, so a problem is this stream's error and not an exception in a restart timer.
      argsFor('check');
    } catch (error) {
      await this.#end(entry, session, 'error', (error as Error).message);
      return;
    }
    // The capture clock: the test pattern states each frame's capture time; any other
    // input's frames are found on the source's timeline and timed by their arrival at
    // the origin (a feed's, for RTMP and SRT; for a pulled input, when ffmpeg reported them).
    const frameRate = probe.video === null ? undefined : outputFps(transcode, probe.video, { standardRate: !plan.reportsCapture });
    let reports = new FrameReports({ frameRate });
    const arrivals = plan.feed?.arrivals ?? new ArrivalClock();
    const onCaptureLine = (line: string): void => {
      if (plan.reportsCapture) {
        const reference = parseCaptureLine(line, TEST_SOURCE_FRAME_RATE);
        if (reference !== undefined) session.captureClock.add(reference);
        return;
      }
      const frame = reports.read(line);
      if (frame === undefined) return;
      if (plan.feed === undefined) {
        // Reported as decoded: a live MPEG-TS input's demuxer held it two frame intervals
        // before that (a pulled live URL's estimate read 73 ms low at p50 without this).
        const rate = reports.inputFrameRate;
        const held = plan.liveNetworkInput === true && reports.inputFormat === 'mpegts' && rate !== undefined ? (MPEGTS_DEMUX_HOLD_FRAMES * 1000) / rate : 0;
        arrivals.add(frame.sourceTime, Date.now() - held);
      }
      // Earlier by what the publisher spent before sending, where it states its own capture times.
      const arrived = arrivals.captureOf(frame.sourceTime);
      if (arrived !== undefined) {
        session.captureClock.add({ mediaTime: frame.mediaTime, captureTime: Math.round(arrived - (plan.feed?.publisherLead ?? 0)) });
      }
    };
    const supervisor = new FfmpegSupervisor({
      ...supervision,
      command: plan.ffmpegPath ?? this.#options.ffmpegPath ?? 'ffmpeg',
      logger: this.#logger.child({ stream: name, session: session.id }),
      endOnSuccess: plan.finite,
      stdin: plan.feed === undefined ? 'ignore' : 'pipe',
      redact: [session.credential.token, ...(plan.secrets ?? []), ...(entry.srtPassphrase === undefined ? [] : [entry.srtPassphrase])],
      args: () => {
        const tag = runTag();
        session.runTags.push(tag);
        return argsFor(tag);
      },
      log: { onLine: (line) => onCaptureLine(line) },
      onSpawn: (child) => {
        // A new ffmpeg run starts a new timeline: the last run's capture clock no longer applies.
        session.captureClock.reset();
        reports = new FrameReports({ frameRate });
        if (plan.feed !== undefined && child.stdin !== null) plan.feed.attach(child.stdin);
      },
      onProgress: ({ speed }) => {
        session.speed = speed;
        if (speed !== undefined) this.#options.metrics?.ffmpegSpeed(name, speed);
      },
      onStateChange: (status) => this.#onTranscoder(entry, session, status, supervision.maxRestarts ?? 5),
    });
    session.supervisor = supervisor;
    supervisor.start();
  }

  #onTranscoder(entry: Entry, session: Session, status: FfmpegStatus, maxRestarts: number): void {
    if (session.ended || entry.session !== session) return;
    switch (status.state) {
      case 'running':
        if (entry.state !== 'live') this.#setState(entry, 'starting', 'transcoding; waiting for the first manifest');
        return;
      case 'backoff': {
        this.#options.metrics?.ffmpegRestarted(entry.config.name);
        const why = session.stalled ? `delivered nothing for ${this.#stallTimeout(entry)} s; restarted` : `exited (${describeExit(status)})`;
        session.stalled = false;
        this.#setState(entry, 'starting', `transcoder ${why}; restart ${status.consecutiveFailures} of ${maxRestarts}`);
        return;
      }
      case 'ended':
        void this.#end(entry, session, 'offline', 'input ended');
        return;
      case 'failed':
        void this.#end(entry, session, 'error', `transcoder failed ${status.consecutiveFailures} times in a row (${describeExit(status)})`);
        return;
      default:
        return;
    }
  }

  /** Ends a session: state first, then its ffmpeg is stopped and its manifest ended. */
  #end(entry: Entry, session: Session, state: 'offline' | 'error', reason: string): Promise<void> {
    if (session.ended) return session.finished;
    session.ended = true;
    session.endedAt = new Date();
    session.abort.abort();
    if (entry.session === session) this.#setState(entry, state, reason);
    session.finished = (async () => {
      await session.supervisor?.stop();
      // Stopped, its final manifest written: nothing may publish with its credential any more.
      session.credential.revoke();
      session.feed?.end();
      // A publisher whose stream failed or was removed is let go too.
      session.publisher?.disconnect();
      if (session.feed !== undefined && state === 'error') await entry.srt?.dropCaller();
      this.#endManifest(entry, session);
    })();
    return session.finished;
  }

  /** If ffmpeg left its live manifest behind (it died, or never got to write the final one), the origin ends it. */
  #endManifest(entry: Entry, session: Session): void {
    const { name } = entry.config;
    const stream = this.#options.store.stream(name);
    const manifest = stream?.manifest(MANIFEST);
    if (stream === undefined || manifest === undefined || manifest.info.type !== 'dynamic') return;
    const ours = manifest.info.representations.some((r) => session.runTags.some((tag) => r.media?.includes(tag)));
    if (!ours) return;
    const ended = endedManifest(stream, MANIFEST);
    if (ended === undefined) return;
    this.#options.store.putManifest(name, MANIFEST, ended);
    this.#logger.info({ stream: name, session: session.id }, 'manifest ended by the origin (ffmpeg left it live)');
  }

  #setState(entry: Entry, state: StreamState, reason: string | null): void {
    if (entry.state === state && entry.reason === reason) return;
    const changed = entry.state !== state;
    entry.state = state;
    entry.reason = reason;
    if (changed) entry.since = new Date();
    const record = { stream: entry.config.name, state, reason, session: entry.session?.id };
    if (state === 'error') this.#logger.error(record, `stream ${entry.config.name}: ${reason}`);
    else if (changed) this.#logger.info(record, `stream ${entry.config.name} ${state}`);
    else this.#logger.debug(record, `stream ${entry.config.name} ${state}`);
    if (changed) this.#options.metrics?.streamState(entry.config.name, state);
  }

  #tick(): void {
    const now = performance.now();
    this.#ticks += 1;
    const sample = this.#ticks % 4 === 0;
    for (const entry of this.#streams.values()) {
      const { name } = entry.config;
      const manifest = this.#options.store.stream(name)?.manifest(MANIFEST);
      if (manifest !== entry.manifest) {
        entry.manifest = manifest;
        entry.renditions = manifest === undefined ? [] : readRenditions(manifest);
      }
      const session = entry.session;
      const tag = session?.runTags.at(-1);
      if (
        entry.state === 'starting' &&
        session !== undefined &&
        !session.ended &&
        tag !== undefined &&
        manifest?.info.type === 'dynamic' &&
        manifest.info.representations.some((r) => r.media?.includes(tag))
      ) {
        this.#setState(entry, 'live', null);
      }
      if (sample && this.#options.ingestMeter !== undefined) entry.ingestBitrate = this.#options.ingestMeter.bitrate(name);
      this.#watch(entry, now);
    }
  }

  /** Stall timeout of `entry`'s stream, seconds: the option, and at least 4 segment durations. */
  #stallTimeout(entry: Entry): number {
    const segment = this.#options.store.stream(entry.config.name)?.segmentDuration ?? 1;
    return Math.max(this.#options.stallTimeout ?? 6, 4 * segment);
  }

  /**
   * The watchdog: a live stream whose transcoder delivered nothing for the
   * stall timeout is not live (its players get 404s): its transcoder is
   * restarted (once; the stream is `starting` until the new run's manifest).
   * A publisher's timestamp jump that makes ffmpeg drop every frame, or a
   * hung input, ends here.
   */
  #watch(entry: Entry, now: number): void {
    const session = entry.session;
    const supervisor = session?.supervisor;
    if (entry.state !== 'live' || session === undefined || session.ended || supervisor?.state !== 'running') return;
    const lastIngestAt = this.#options.store.stream(entry.config.name)?.lastIngestAt;
    if (lastIngestAt === undefined || now - lastIngestAt < this.#stallTimeout(entry) * 1000) return;
    session.stalled = true;
    this.#logger.warn({ stream: entry.config.name, session: session.id, seconds: this.#stallTimeout(entry) }, 'transcoder delivered nothing; restarting it');
    this.#setState(entry, 'starting', `transcoder delivered nothing for ${this.#stallTimeout(entry)} s; restarting it`);
    supervisor.restart();
  }

  #summary(entry: Entry): StreamSummary {
    const { config, session } = entry;
    const { source } = config;
    const status = session?.supervisor?.status();
    const exit = status?.lastExit;
    return {
      name: config.name,
      source:
        source.type === 'pull'
          ? { type: 'pull', url: redactUrl(source.url), loop: source.loop ?? false }
          : source.type === 'srt'
            ? { type: 'srt', port: source.port }
            : { type: source.type },
      keyRequired: entry.keys !== null,
      keyCount: entry.keys?.size ?? 0,
      private: config.private === true,
      state: entry.state,
      reason: entry.reason,
      since: entry.since.toISOString(),
      session:
        session === undefined
          ? null
          : {
              id: session.id,
              startedAt: session.startedAt.toISOString(),
              endedAt: session.endedAt?.toISOString() ?? null,
              publisher: session.publisher?.ip ?? null,
              runTag: session.runTags.at(-1) ?? null,
            },
      renditions: entry.renditions,
      ingestBitrate: entry.state === 'live' || entry.state === 'starting' ? entry.ingestBitrate : 0,
      viewers: this.#options.store.stream(config.name)?.stats().openReaders ?? 0,
      transcoder:
        status === undefined
          ? null
          : {
              state: status.state,
              pid: status.pid ?? null,
              restarts: status.restarts,
              speed: session?.speed ?? null,
              lastExit:
                exit === undefined
                  ? null
                  : { code: exit.code, signal: exit.signal, at: exit.at, lastLines: [...exit.lastLines] },
            },
      manifest: `/live/${config.name}/${MANIFEST}`,
    };
  }
}
