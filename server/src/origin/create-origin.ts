import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { LatencyConfig, StreamConfig, TranscodeConfig } from '../config/config-schema.js';
import { defaultConfig } from '../config/load-config.js';
import { IngestMeter } from '../ingest/ingest-meter.js';
import { DEFAULT_CLOCK_SKEW } from '../auth/signed-urls.js';
import { FailureLimiter } from '../auth/failure-limiter.js';
import type { DEFAULT_RTMP_LIMITS, RtmpLimits } from '../ingest/rtmp-server.js';
import { InvalidStreamError, StreamManager, type PullLimits, type SupervisionOptions } from '../ingest/stream-manager.js';
import { checkTestSource, type TestSourceOptions } from '../ingest/test-source.js';
import { OriginMetrics } from '../metrics/origin-metrics.js';
import { captureReferenceFixup } from '../packaging/capture-reference.js';
import { mediaTimescale, PrftRewriter } from '../packaging/prft-rewriter.js';
import { transcoderInitName } from '../transcode/ffmpeg-args.js';
import { SubtitlePackager } from '../packaging/subtitles/subtitle-packager.js';
import { subtitleOutputs } from '../packaging/subtitles/subtitle-outputs.js';
import { SegmentStore, type SegmentStoreOptions } from '../store/segment-store.js';
import type { FfmpegSupervisor } from '../transcode/ffmpeg-supervisor.js';
import { apiRoutes } from './api-routes.js';
import { requestBaseUrl } from './base-url.js';
import { NO_STORE } from './cache-control.js';
import { demoRoutes } from './demo/demo-routes.js';
import { healthRoute } from './health-route.js';
import { ingestRoutes } from './ingest-routes.js';
import { capConnectionsPerClient } from './connection-cap.js';
import { metricsRoute } from './metrics-route.js';
import type { OperatorAccess } from './operator-access.js';
import { playbackRoutes } from './playback-routes.js';
import { subtitleRoutes } from './subtitle-routes.js';
import { timeRoute } from './time-route.js';

/** Options of {@link createOrigin}. */
export interface OriginOptions {
  /** TCP port; 0 picks a free one (see {@link Origin.url}). @defaultValue 8080 */
  port?: number;
  /** Address to bind. @defaultValue `'0.0.0.0'` */
  host?: string;
  /**
   * The built-in test source (ffmpeg test pattern published as stream
   * `demo`), or false for none. It publishes to the port actually bound.
   * @defaultValue enabled with its defaults
   */
  testSource?: TestSourceOptions | false;
  /**
   * Latency targets written into every served manifest's ServiceDescription
   * (and the test source's `-target_latency`), seconds.
   * @defaultValue the config defaults: target 1, min 0.5, max 3, playback rate 0.9 to 1.15
   */
  latency?: LatencyConfig;
  /** Hold rule, windows, limits of the in-memory segment store. */
  store?: SegmentStoreOptions;
  /**
   * A segment response whose client has taken no byte for this long while
   * its send buffer is full is cut off, milliseconds (see
   * `DEFAULT_READER_STALL_TIMEOUT` and server/README.md, "Slow viewers").
   * @defaultValue 5000 ms
   * @throws RangeError from `listen` if not above 0
   */
  readerStallTimeout?: number;
  /**
   * Absolute base URL viewers reach the origin by (e.g.
   * `https://live.example.com`), used for the manifest's UTCTiming. By
   * default it is built per request from `X-Forwarded-Proto`/`X-Forwarded-Host`
   * and `Host`.
   */
  publicUrl?: string;
  /** pino logger to use. @defaultValue a pino logger on stdout at `logLevel` */
  logger?: Logger;
  /** Level of the default logger. @defaultValue `'info'` */
  logLevel?: LevelWithSilent;
  /**
   * Path of the `<ll-player>` bundle served at `/assets/ll-player.js`.
   * @defaultValue resolved from `@llstream/vanilla/ll-player.js`
   */
  playerBundle?: string;
  /** Metrics behind `GET /metrics`. @defaultValue new {@link OriginMetrics} with the process metrics */
  metrics?: OriginMetrics;
  /** Bearer token `GET /metrics` requires. @defaultValue none: open */
  metricsToken?: string;
  /** Streams to run: RTMP and SRT publish points, pulled URLs and files. @defaultValue none */
  streams?: StreamConfig[];
  /** Ladder, codec and segment duration of every stream. @defaultValue the config defaults */
  transcode?: TranscodeConfig;
  /**
   * RTMP listener, started when a stream uses RTMP; false for none. `limits`
   * bound what a connection may send before and after its publish is
   * accepted ({@link RtmpLimits}).
   * @defaultValue port 1935, the address of `host`, {@link DEFAULT_RTMP_LIMITS}
   */
  rtmp?: { port: number; host?: string; limits?: RtmpLimits } | false;
  /** Run SRT listeners for streams with an `srt` source. @defaultValue true */
  srt?: boolean;
  /** Address SRT listeners bind. @defaultValue the address of `host` */
  srtHost?: string;
  /** Pulled streams: media directories of the API, how many, probes at once. @defaultValue API pulls URLs only, 16 streams, 2 probes */
  pull?: PullLimits;
  /** ffmpeg and ffprobe binaries of the streams. @defaultValue `ffmpeg` and `ffprobe` on PATH */
  ffmpeg?: { path?: string; ffprobePath?: string };
  /** Restart timing and cap of every stream's ffmpeg. @defaultValue 5 restarts in a row, from 0.5 s doubling */
  supervision?: SupervisionOptions;
  /** Longest wait for a pulled or published input to answer, seconds (probe and ffmpeg's network reads). @defaultValue 10 s */
  inputTimeout?: number;
  /**
   * Bearer token `/api/*` and the details of `/healthz` require.
   * @defaultValue none: both answer only requests from this host that came through no proxy
   */
  apiToken?: string;
  /**
   * Signed playback URLs (see `PLAYBACK_TOKEN_PATTERN`): the secrets tokens
   * may be signed with (any of them verifies; a function is read per
   * request, so a rotation needs no restart) and the clock skew allowed,
   * seconds. Needed for streams declared `private`.
   * @defaultValue none: no stream can be private
   */
  playbackSigning?: { secrets: readonly string[] | (() => readonly string[]); clockSkew?: number };
  /** Streams (besides those declared `private`) whose playback needs a signed URL, e.g. the test source's. @defaultValue none */
  privateStreams?: readonly string[];
  /** Timeouts and size limits against hostile or broken clients (see {@link OriginLimits}). */
  limits?: OriginLimits;
  /**
   * Accept HTTP publishes to streams not declared in `streams` without a
   * key. Only for a trusted network (and tests).
   * @defaultValue false: only the origin's own ffmpeg and declared streams' keys
   */
  openIngest?: boolean;
}

/**
 * Limits that keep one hostile or broken client from hurting anyone else.
 * Every request that hits one gets a 4xx naming it; other connections go on.
 */
export interface OriginLimits {
  /**
   * Time a client has to send a request's headers, ms (slowloris): Node's
   * `headersTimeout`, checked every second. A player or ffmpeg sends them
   * in one packet.
   * @defaultValue 10 000 ms
   */
  headersTimeout?: number;
  /**
   * A connection on which nothing moves either way for this long is closed,
   * ms (Node's socket timeout): a request body that stalls on a route
   * without a body timeout of its own, a reader that takes nothing. Long
   * chunked uploads and streamed segments move all the time; the live
   * subtitle upload (quiet between cues) is exempt.
   * @defaultValue 60 000 ms
   */
  connectionTimeout?: number;
  /** Ingest upload silent this long is answered 408 and its segment dropped, ms. @defaultValue 10 000 ms */
  uploadIdleTimeout?: number;
  /** Ingest upload longer than this is answered 408 and its segment dropped, ms. @defaultValue 60 000 ms */
  maxUploadDuration?: number;
  /** Largest manifest upload, bytes (413 beyond). @defaultValue 1 MiB */
  maxManifestBytes?: number;
  /** Requests one client address may have held for segments about to exist (429 beyond). @defaultValue 64 */
  maxHeldPerClient?: number;
  /** Longest request target (path and query), characters (414 beyond; Node answers 431 past 16 KiB of headers). @defaultValue 2048 */
  maxUrlLength?: number;
  /** A stream API request body must have arrived within this long, ms, however it trickles (408). @defaultValue 10 000 ms */
  requestBodyTimeout?: number;
  /**
   * Connections one client address (an IPv6 /64) may hold open at once;
   * the next is answered 429 and closed. A page plays over about 6 (the
   * browser's HTTP/1.1 limit per origin); a CDN edge holds more.
   * @defaultValue 256
   */
  maxConnectionsPerClient?: number;
  /**
   * Wrong stream keys (HTTP ingest, RTMP) and API tokens one client address
   * may present per minute; then it gets 429 (RTMP: refused) without any
   * check until the minute has passed.
   * @defaultValue 10
   */
  maxKeyFailuresPerMinute?: number;
  /** A live stream whose transcoder delivered nothing this long is restarted, ms (at least 4 segment durations). @defaultValue 6000 ms */
  transcoderStallTimeout?: number;
}

/** Resolved {@link OriginLimits}. */
const DEFAULT_LIMITS: Required<OriginLimits> = {
  headersTimeout: 10_000,
  connectionTimeout: 60_000,
  uploadIdleTimeout: 10_000,
  maxUploadDuration: 60_000,
  maxManifestBytes: 1024 * 1024,
  maxHeldPerClient: 64,
  maxUrlLength: 2048,
  requestBodyTimeout: 10_000,
  maxConnectionsPerClient: 256,
  maxKeyFailuresPerMinute: 10,
  transcoderStallTimeout: 6000,
};

/** Which methods each route family answers, for 405s. */
const ROUTE_METHODS: ReadonlyArray<[RegExp, string[]]> = [
  [/^\/live\//, ['GET', 'HEAD', 'OPTIONS']],
  [/^\/ingest\//, ['PUT', 'POST', 'DELETE']],
  [/^\/(time|healthz|metrics)$/, ['GET', 'HEAD']],
];

/** A created origin; nothing listens until {@link Origin.listen}. */
export interface Origin {
  /** The Fastify instance (for tests and for adding routes before `listen`). */
  readonly app: FastifyInstance;
  /** The segment store behind the routes. */
  readonly store: SegmentStore;
  /** Prometheus metrics (`GET /metrics`); lifecycle code reports ffmpeg and stream state here. */
  readonly metrics: OriginMetrics;
  /** Base URL of the bound server, e.g. `http://127.0.0.1:8080`; undefined before `listen`. */
  readonly url: string | undefined;
  /** The test source's supervisor once started; undefined when disabled or before `listen`. */
  readonly testSource: FfmpegSupervisor | undefined;
  /** Every stream's lifecycle (also behind `/api/streams`). */
  readonly streams: StreamManager;
  /** Text tracks: input subtitles and sidecar files, packaged as live WebVTT. */
  readonly subtitles: SubtitlePackager;
  /**
   * Checks the test source's prerequisites, binds, then starts the test
   * source against the bound port.
   * @returns the base URL (see {@link Origin.url}).
   * @throws TestSourceUnavailableError if ffmpeg or its font is missing (nothing is bound then).
   */
  listen(): Promise<string>;
  /** Stops the test source (no ffmpeg is left running), aborts uploads, closes every connection. Idempotent. */
  close(): Promise<void>;
}

function urlOf(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '[::1]'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Creates the llstream reference origin: ingest (`/ingest/{stream}/{file}`),
 * playback (`/live/{stream}/{file}`), `/time`, `/healthz`, the demo page
 * (`/`) and optionally the built-in ffmpeg test source.
 */
export function createOrigin(options: OriginOptions = {}): Origin {
  const logger = options.logger ?? pino({ level: options.logLevel ?? 'info' });
  const metrics = options.metrics ?? new OriginMetrics();
  const ingestMeter = new IngestMeter(metrics);
  const store = new SegmentStore(options.store, ingestMeter);
  metrics.readGaugesFrom(store);
  const createdAt = performance.now();
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  let url: string | undefined;
  let testStream: string | undefined;
  let closing: Promise<void> | undefined;

  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const host = options.host ?? '0.0.0.0';
  // One count of wrong keys and tokens per client, whichever door they were tried at.
  const keyFailures = new FailureLimiter({ maxFailures: limits.maxKeyFailuresPerMinute, window: 60_000 });
  const operator: OperatorAccess = { token: options.apiToken, limiter: keyFailures };
  // Fastify's own logger type keeps the instance's type the default one the route plugins take.
  const fastifyLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: fastifyLogger,
    // Node's headersTimeout is enforced only as often as connections are
    // checked (every 30 s by default): check every second.
    // No limit on a whole request (requestTimeout 0): an ingest upload lasts
    // a segment, a subtitle upload a publisher run; the ingest routes time
    // bodies out themselves. (With a serverFactory, Fastify leaves the
    // server's timeouts to it.)
    serverFactory: (handler) =>
      capConnectionsPerClient(
        http
          .createServer({ headersTimeout: limits.headersTimeout, requestTimeout: 0, connectionsCheckingInterval: Math.min(1000, limits.headersTimeout) }, handler)
          .setTimeout(limits.connectionTimeout),
        limits.maxConnectionsPerClient,
        logger,
      ),
    // Request logs would be several lines a second per publisher and
    // viewer; the routes log what matters.
    logController: new LogController({ disableRequestLogging: true }),
    // Uploads and segment responses are long-lived; closing must not wait for them.
    forceCloseConnections: true,
    // Longer than any request line Node takes (16 KiB of headers): the
    // router never refuses a name itself; the hook below answers 414 for a
    // long target and the routes 400 for a long name, each saying why.
    routerOptions: { maxParamLength: 16 * 1024 },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length <= limits.maxUrlLength) return;
    return reply
      .code(414)
      .header('cache-control', NO_STORE)
      .header('connection', 'close')
      .send({ statusCode: 414, error: 'URI Too Long', message: `request target is ${request.url.length} characters; at most ${limits.maxUrlLength} are accepted` });
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const statusCode = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    // The status's own phrase, not the error class: a body names the problem, never the framework behind it.
    return reply
      .code(statusCode)
      .header('cache-control', NO_STORE)
      .send({ statusCode, error: http.STATUS_CODES[statusCode] ?? 'Error', message: statusCode >= 500 ? 'the origin failed to answer this request' : error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = ROUTE_METHODS.find(([pattern]) => pattern.test(path))?.[1];
    if (allowed !== undefined && !allowed.includes(request.method)) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .header('cache-control', NO_STORE)
        .header('connection', 'close')
        .send({ statusCode: 405, error: 'Method Not Allowed', message: `${request.method} is not allowed on ${path.slice(0, 80)}; use ${allowed.join(', ')}` });
    }
    return reply.code(404).header('cache-control', NO_STORE).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${path.slice(0, 200)}` });
  });

  const baseUrl = (request: FastifyRequest): string => {
    if (publicUrl !== undefined) return publicUrl;
    const encrypted = (request.raw.socket as Partial<TLSSocket>).encrypted === true;
    return requestBaseUrl(request.headers, encrypted, new URL(url ?? 'http://localhost').host);
  };

  const latency = options.latency ?? defaultConfig().latency;
  const streams: StreamManager = new StreamManager({
    store,
    logger,
    transcode: options.transcode ?? defaultConfig().transcode,
    latency,
    ingestMeter,
    ffmpegPath: options.ffmpeg?.path,
    ffprobePath: options.ffmpeg?.ffprobePath,
    // The publish listeners bind where the HTTP server does, unless told otherwise.
    rtmp: options.rtmp === false ? false : { port: options.rtmp?.port ?? 1935, host: options.rtmp?.host ?? host, limits: options.rtmp?.limits },
    srt: options.srt,
    srtHost: options.srtHost ?? host,
    openIngest: options.openIngest,
    metrics,
    supervision: options.supervision,
    inputTimeout: options.inputTimeout,
    pull: options.pull,
    stallTimeout: limits.transcoderStallTimeout / 1000,
    keyFailures,
    // The input's text subtitle tracks, as WebVTT uploads from the same ffmpeg.
    subtitleOutputs: ({ stream, probe, originUrl }) => subtitleOutputs(probe, originUrl, stream),
  });
  streams.declare(options.streams ?? []);
  const privateStreams = new Set(options.privateStreams ?? []);
  const signingSecrets = options.playbackSigning?.secrets;
  const signing =
    signingSecrets === undefined
      ? undefined
      : { secrets: typeof signingSecrets === 'function' ? signingSecrets : () => signingSecrets, clockSkew: options.playbackSigning?.clockSkew ?? DEFAULT_CLOCK_SKEW };
  if (signing === undefined) {
    const unplayable = [...privateStreams, ...(options.streams ?? []).filter((s) => s.private === true).map((s) => s.name)];
    if (unplayable.length > 0) throw new InvalidStreamError(`private streams (${unplayable.join(', ')}) need playback signing secrets (playback.signing.secrets)`);
  }
  const subtitles = new SubtitlePackager({ store, logger });
  void app.register(ingestRoutes, {
    store,
    auth: { keys: streams.publishKeys, limiter: keyFailures },
    manifest: (stream) => ({
      latency,
      fixups: [
        subtitles.manifestFixup(stream),
        captureReferenceFixup(
          () => streams.captureReference(stream),
          () => streams.captureClock(stream)?.origin,
        ),
      ],
    }),
    // Each chunk's prft says when its frame was captured (the session's capture clock).
    chunkRewriter: (stream, file) => {
      const clock = streams.captureClock(stream);
      if (clock === undefined) return undefined;
      // The run's first segments come before its first manifest names them: by the transcoder's own naming then.
      const live = store.stream(stream);
      const fallback = transcoderInitName(file);
      const init = live?.initSegmentOf(file) ?? (fallback === undefined ? undefined : live?.segment(fallback));
      const timescale = init === undefined ? undefined : mediaTimescale(init.bytes());
      return new PrftRewriter({ timescale, captureAt: (mediaTime) => clock.captureAt(mediaTime) });
    },
    maxManifestBytes: limits.maxManifestBytes,
    maxSegmentBytes: options.store?.maxSegmentBytes,
    uploadIdleTimeout: limits.uploadIdleTimeout,
    maxUploadDuration: limits.maxUploadDuration,
  });
  void app.register(subtitleRoutes, { packager: subtitles, auth: { keys: streams.publishKeys, limiter: keyFailures } });
  void app.register(apiRoutes, { streams, access: operator, bodyTimeout: limits.requestBodyTimeout });
  void app.register(async (viewerFacing) => {
    await viewerFacing.register(cors, {
      origin: '*',
      methods: ['GET', 'HEAD'],
      // Date: players sync their clock from it; Age: a CDN's staleness.
      exposedHeaders: ['Date', 'Age', 'Content-Length'],
      maxAge: 86_400,
    });
    await viewerFacing.register(playbackRoutes, {
      store,
      baseUrl,
      metrics,
      readerStallTimeout: options.readerStallTimeout,
      isPrivate: (stream) => privateStreams.has(stream) || streams.isPrivate(stream),
      signing,
      maxHeldPerClient: limits.maxHeldPerClient,
    });
    await viewerFacing.register(timeRoute);
    // CORS on the player bundle too: other sites load it as a module script.
    await viewerFacing.register(demoRoutes, { playerBundle: options.playerBundle });
  });
  void app.register(metricsRoute, { metrics, token: options.metricsToken });
  void app.register(healthRoute, {
    access: operator,
    report: () => ({
      status: 'ok' as const,
      uptime: (performance.now() - createdAt) / 1000,
      memory: { rss: process.memoryUsage.rss(), heapUsed: process.memoryUsage().heapUsed },
      streams: store.stats(),
      testSource: (testStream === undefined ? undefined : streams.supervisor(testStream)?.status()) ?? null,
    }),
  });

  return {
    app,
    store,
    metrics,
    get url() {
      return url;
    },
    get testSource() {
      return testStream === undefined ? undefined : streams.supervisor(testStream);
    },
    streams,
    subtitles,
    async listen() {
      const source = options.testSource === false ? undefined : await checkTestSource(options.testSource);
      // A missing or broken sidecar file is a configuration error: nothing is bound.
      for (const stream of options.streams ?? []) for (const sidecar of stream.subtitles ?? []) await subtitles.attachSidecar(stream.name, sidecar);
      await app.listen({ port: options.port ?? 8080, host });
      url = urlOf(app.server.address() as AddressInfo);
      logger.info({ url }, 'origin listening');
      if (source !== undefined) {
        const { stream, fontFile, ffmpegPath, transcode, supervision } = source;
        streams.declare([{ name: stream, source: { type: 'test', fontFile, ffmpegPath, transcode, supervision } }]);
        testStream = stream;
      }
      if (closing === undefined) {
        try {
          await streams.start(url);
        } catch (error) {
          await app.close();
          throw error;
        }
      }
      return url;
    },
    close() {
      closing ??= (async () => {
        await streams.close();
        subtitles.close();
        store.close();
        await app.close();
      })();
      return closing;
    },
  };
}
