import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { LatencyConfig, OriginConfig, StreamConfig, TranscodeConfig } from '../config/config-schema.js';
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
  /**
   * Hold rule and windows of the in-memory segment store (its byte limits
   * are in `limits`, as in the config file).
   */
  store?: Omit<SegmentStoreOptions, 'maxSegmentBytes' | 'maxStreamBytes' | 'maxStoreBytes' | 'maxUnreferencedSegments' | 'maxUnreferencedBytes'>;
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
  /**
   * Timeouts (seconds) and size limits against hostile or broken clients,
   * as the config file's `limits` (see {@link OriginLimits}).
   * @defaultValue the config file's defaults
   * @throws RangeError from `createOrigin` if `readerStallTimeout` is not above 0
   */
  limits?: OriginLimits;
  /**
   * Accept HTTP publishes to streams not declared in `streams` without a
   * key. Only for a trusted network (and tests).
   * @defaultValue false: only the origin's own ffmpeg and declared streams' keys
   */
  openIngest?: boolean;
}

/**
 * Limits that keep one hostile or broken client from hurting anyone else:
 * the config file's `limits` section, under the same names and in the same
 * units (seconds, bytes, counts; see `OriginConfig['limits']` for each one's
 * meaning and default). Every request that hits one gets a 4xx naming it;
 * other connections go on.
 */
export type OriginLimits = Partial<OriginConfig['limits']>;

/** The config file's defaults of {@link OriginLimits}. */
const DEFAULT_LIMITS: Readonly<OriginConfig['limits']> = defaultConfig().limits;

/** Seconds as the milliseconds Node's timers and servers take. */
const ms = (seconds: number): number => Math.round(seconds * 1000);

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
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (!(limits.readerStallTimeout > 0)) throw new RangeError(`limits.readerStallTimeout: expected seconds above 0, got ${limits.readerStallTimeout}`);
  const store = new SegmentStore(
    {
      ...options.store,
      maxSegmentBytes: limits.maxSegmentBytes,
      maxStreamBytes: limits.maxStreamBytes,
      maxStoreBytes: limits.maxStoreBytes,
      maxUnreferencedSegments: limits.maxUnreferencedSegments,
      maxUnreferencedBytes: limits.maxUnreferencedBytes,
    },
    ingestMeter,
  );
  metrics.readGaugesFrom(store);
  const createdAt = performance.now();
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  let url: string | undefined;
  let testStream: string | undefined;
  let closing: Promise<void> | undefined;

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
          .createServer({ headersTimeout: ms(limits.headersTimeout), requestTimeout: 0, connectionsCheckingInterval: Math.min(1000, ms(limits.headersTimeout)) }, handler)
          .setTimeout(ms(limits.connectionTimeout)),
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
    stallTimeout: limits.transcoderStallTimeout,
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
    maxSegmentBytes: limits.maxSegmentBytes,
    uploadIdleTimeout: ms(limits.uploadIdleTimeout),
    maxUploadDuration: ms(limits.maxUploadDuration),
  });
  void app.register(subtitleRoutes, { packager: subtitles, auth: { keys: streams.publishKeys, limiter: keyFailures } });
  void app.register(apiRoutes, { streams, access: operator, bodyTimeout: ms(limits.requestBodyTimeout) });
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
      readerStallTimeout: ms(limits.readerStallTimeout),
      isPrivate: (stream) => privateStreams.has(stream) || streams.isPrivate(stream),
      signing,
      maxHeldPerClient: limits.maxHeldRequestsPerClient,
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
