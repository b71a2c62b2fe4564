import { z } from 'zod';
import { KeyFormatError, looksLikeKeyHash, toKeyHashes } from '../auth/key-hash.js';
import { checkPullSource, PULL_FORMATS, PullSourceError, type PullSourceConfig } from '../sources/pull-source.js';

/**
 * x264 presets, fastest first. Each step down roughly halves encoding speed;
 * `veryfast` holds the default 4-rung ladder in real time on 2 cores (see
 * the README's Performance section).
 */
export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
  'placebo',
] as const;

/** An x264 preset name. */
export type X264Preset = (typeof X264_PRESETS)[number];

/** Preset used when `transcode.preset` is not set: by codec. */
export const DEFAULT_PRESETS = {
  h264: 'veryfast',
  // SVT-AV1 presets 10 and above are the real-time range on a few cores.
  av1: 12,
} as const satisfies { h264: X264Preset; av1: number };

/** One rendition of the ladder. */
export interface LadderRung {
  /** Label for logs and the API, e.g. `720p`. Unique within the ladder. */
  name: string;
  /** Output height in pixels, even; the width follows the input's aspect ratio, rounded to even. */
  height: number;
  /**
   * Target video bitrate, bits/s. Also the rendition's `maxrate` and its
   * MPD `@bandwidth`. In a file either a number (`2500000`) or a string with
   * a `k` or `M` suffix (`2500k`, `2.5M`).
   */
  bitrate: number;
}

/**
 * The default ladder: 720p 2500 kb/s, 480p 1000 kb/s, 360p 600 kb/s, 240p
 * 250 kb/s, sized for a 2-core machine (issue 3).
 */
export const DEFAULT_LADDER: readonly LadderRung[] = Object.freeze([
  { name: '720p', height: 720, bitrate: 2_500_000 },
  { name: '480p', height: 480, bitrate: 1_000_000 },
  { name: '360p', height: 360, bitrate: 600_000 },
  { name: '240p', height: 240, bitrate: 250_000 },
]);

/** Where a stream declared in the config gets its input. */
export type StreamSourceConfig =
  /** Published with RTMP to `rtmp://HOST:{rtmp.port}/live/{name}` with the stream key. */
  | { type: 'rtmp' }
  /** Published with SRT (caller) to this stream's own listener port. */
  | { type: 'srt'; port: number }
  /**
   * Pulled: an `http(s)`, `rtmp(s)`, `rtsp(s)` or `srt` URL, or a file
   * (see {@link PullSourceConfig}); typed options only, no ffmpeg syntax.
   */
  | PullSourceConfig;

/** A sidecar WebVTT file delivered as a text track of a stream. */
export interface SubtitleFileConfig {
  /** Path of the `.vtt` file. */
  path: string;
  /** Language, BCP 47 or ISO 639-2 (`en`, `deu`, `pt-BR`). */
  language: string;
  /** Label shown by players. */
  label?: string;
}

/** A stream declared in the config file. */
export interface StreamConfig {
  /** Stream name: the `{stream}` of `/live/{stream}/manifest.mpd`; `[A-Za-z0-9_-]{1,64}`, unique. */
  name: string;
  /**
   * Stream key(s) a publisher must present (RTMP, SRT, HTTP ingest); any
   * of a list is accepted (a rotation lists the old and the new key).
   * Each is a plain key or its hash (`$scrypt$...`, made by `llstream-server
   * hash-key`). Plain keys are hashed when the config is parsed: the parsed
   * config holds only hashes, except for `srt` streams, whose one key is the
   * SRT passphrase libsrt needs in plain form. Without a key, anyone may
   * publish to this name.
   */
  key?: string | string[];
  /**
   * Playback needs a signed URL (see `playback.signing`): `/live/{name}/{token}/...`.
   * @defaultValue false
   */
  private?: boolean;
  source: StreamSourceConfig;
  /** Sidecar WebVTT files to deliver with the stream. */
  subtitles?: SubtitleFileConfig[];
}

/**
 * The origin's configuration: a YAML or JSON file read by `loadConfig`,
 * every field optional. Durations are in seconds, bitrates in bits/s.
 */
export interface OriginConfig {
  server: {
    /** TCP port of the HTTP server; 0 picks a free one. @defaultValue 8080 */
    port: number;
    /** Address to bind. @defaultValue `'0.0.0.0'` */
    host: string;
    /**
     * Base URL viewers reach the origin by (e.g. `https://live.example.com`),
     * for the manifest's UTCTiming. @defaultValue built per request from
     * `X-Forwarded-*` and `Host`
     */
    publicUrl?: string;
  };
  /**
   * Latency targets written into every served MPD's `ServiceDescription`,
   * which players such as dash.js use to steer their catch-up. Seconds,
   * `min <= target <= max`.
   */
  latency: {
    /** Target live latency, s. @defaultValue 1.0 */
    target: number;
    /** Lowest acceptable live latency, s. @defaultValue 0.5 */
    min: number;
    /** Highest acceptable live latency, s; beyond it players seek to the live edge. @defaultValue 3.0 */
    max: number;
    /** Slowest playback rate for catch-up (0.5 to 1). @defaultValue 0.9 */
    minPlaybackRate: number;
    /** Fastest playback rate for catch-up (1 to 1.5, the range ffmpeg accepts). @defaultValue 1.15 */
    maxPlaybackRate: number;
  };
  transcode: {
    /** Video codec of every rendition: H.264 (libx264) or AV1 (libsvtav1). @defaultValue `'h264'` */
    codec: 'h264' | 'av1';
    /**
     * Encoder speed preset: an x264 preset name for `h264`, an SVT-AV1
     * preset number 0 to 13 for `av1` (higher is faster).
     * @defaultValue `'veryfast'` for h264, `12` for av1 ({@link DEFAULT_PRESETS})
     */
    preset: X264Preset | number;
    /**
     * Segment duration, s: every rendition gets a closed GOP starting at each
     * multiple of it, and the dash muxer cuts segments there.
     * @defaultValue 1
     */
    segmentDuration: number;
    /**
     * Output frame rate (frames/s), converted once before scaling. AV1 needs
     * a constant rate for its key frame interval: without this, the input's
     * rate rounded to an integer.
     * @defaultValue the input's frame rate
     */
    fps?: number;
    /** Renditions; rungs above the input's height are dropped. @defaultValue {@link DEFAULT_LADDER} */
    ladder: LadderRung[];
    audio: {
      /** Codec of every audio track. @defaultValue `'aac'` */
      codec: 'aac';
      /**
       * Bitrate of a stereo (or mono) track, bits/s; a track with more
       * channels gets this per channel pair (5.1: 3×). Number or `128k`.
       * @defaultValue 128000
       */
      bitrate: number;
    };
  };
  rtmp: {
    /** Accept RTMP publishers. @defaultValue true */
    enabled: boolean;
    /** RTMP listener port. @defaultValue 1935 */
    port: number;
    /** Address the RTMP listener binds. @defaultValue `server.host` */
    host?: string;
  };
  srt: {
    /** Accept SRT publishers for streams declared with an `srt` source. @defaultValue true */
    enabled: boolean;
    /** Address SRT listeners bind. @defaultValue `server.host` */
    host?: string;
  };
  pull: {
    /**
     * Absolute directories whose files `POST /api/streams` may pull (checked
     * after symlinks are resolved). Streams declared in this file may read
     * any file the origin's user can. @defaultValue none: the API pulls URLs only
     */
    mediaDirectories: string[];
    /** Pulled streams at most, declared and added through the API together. @defaultValue 16 */
    maxStreams: number;
    /** Inputs probed at once (one ffprobe each); the rest wait. @defaultValue 2 */
    maxConcurrentProbes: number;
  };
  testSource: {
    /** Run the built-in ffmpeg test source. @defaultValue true */
    enabled: boolean;
    /** Stream name it publishes. @defaultValue `'demo'` */
    stream: string;
    /** Its playback needs a signed URL (`playback.signing`). @defaultValue false */
    private: boolean;
  };
  playback: {
    /**
     * Signed playback URLs for streams declared `private`:
     * `/live/{stream}/{expires}-{hex HMAC-SHA256(secret, "{stream}:{expires}")}/{file}`.
     * @defaultValue none: no stream may be private
     */
    signing?: {
      /** Secrets a token may be signed with, at least 32 characters each; any verifies (list the new one first during a rotation; SIGHUP reloads them). */
      secrets: string[];
      /** Seconds a token stays valid past its expiry, for clocks that disagree. @defaultValue 30 */
      clockSkew: number;
    };
  };
  limits: {
    /** Seconds a client has to send a request's headers (slowloris). @defaultValue 10 */
    headersTimeout: number;
    /** Seconds a connection may see no traffic either way before it is closed. @defaultValue 60 */
    connectionTimeout: number;
    /** Seconds an ingest upload may send nothing before it gets 408 and its segment is dropped. @defaultValue 10 */
    uploadIdleTimeout: number;
    /** Seconds an ingest upload may last before it gets 408 and its segment is dropped. @defaultValue 60 */
    maxUploadDuration: number;
    /** Largest segment upload, bytes (413 beyond). @defaultValue 67108864 (64 MiB) */
    maxSegmentBytes: number;
    /** Largest manifest upload, bytes (413 beyond). @defaultValue 1048576 (1 MiB) */
    maxManifestBytes: number;
    /** Requests one client address may have held for segments about to exist (429 beyond). @defaultValue 64 */
    maxHeldRequestsPerClient: number;
    /** Longest request target, characters (414 beyond). @defaultValue 2048 */
    maxUrlLength: number;
    /** Seconds a stream API request may take to send its body (408 beyond), however it trickles. @defaultValue 10 */
    requestBodyTimeout: number;
    /** Connections one client address (an IPv6 /64) may hold open; more are answered 429 and closed. @defaultValue 256 */
    maxConnectionsPerClient: number;
    /** Wrong stream keys or API tokens one client address may present per minute; then 429 until the minute has passed. @defaultValue 10 */
    maxKeyFailuresPerMinute: number;
    /** Bytes the segments of one stream may hold (507 beyond). @defaultValue 268435456 (256 MiB) */
    maxStreamBytes: number;
    /** Bytes the segments of all streams may hold (507 beyond). @defaultValue 2147483648 (2 GiB) */
    maxStoreBytes: number;
    /** Segments per stream no manifest references (an ffmpeg's first uploads, a previous run's): the oldest finished ones make room, else 507. @defaultValue 32 */
    maxUnreferencedSegments: number;
    /** Bytes of those segments per stream. @defaultValue 67108864 (64 MiB) */
    maxUnreferencedBytes: number;
    /** Seconds a live stream's transcoder may deliver nothing before it is restarted (at least 4 segment durations). @defaultValue 6 */
    transcoderStallTimeout: number;
    /**
     * Seconds a viewer may take no byte of a segment response while its send
     * buffer is full before it is cut off (see server/README.md, "Slow viewers").
     * @defaultValue 5
     */
    readerStallTimeout: number;
  };
  ffmpeg: {
    /** ffmpeg binary, a path or a name on PATH. @defaultValue `'ffmpeg'` */
    path: string;
    /** ffprobe binary, a path or a name on PATH. @defaultValue `'ffprobe'` */
    ffprobePath: string;
  };
  api: {
    /**
     * Bearer token `/api/*` (and the details of `/healthz`) require
     * (`Authorization: Bearer TOKEN`), at least 16 characters.
     * @defaultValue none: the API answers only on loopback, to requests that came through no proxy
     */
    token?: string;
  };
  metrics: {
    /**
     * Bearer token `GET /metrics` requires, at least 16 characters.
     * @defaultValue none: metrics are open to whoever reaches the port
     */
    token?: string;
  };
  log: {
    /** pino level. @defaultValue `'info'` */
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    /** `json` lines, or `pretty` for a person. @defaultValue pretty on a terminal, else json */
    format?: 'json' | 'pretty';
  };
  /** Streams known at start: pulled ones start at once, pushed ones wait for their publisher. @defaultValue `[]` */
  streams: StreamConfig[];
}

/** Latency settings ({@link OriginConfig.latency}). */
export type LatencyConfig = OriginConfig['latency'];
/** Transcoding settings ({@link OriginConfig.transcode}). */
export type TranscodeConfig = OriginConfig['transcode'];

// Same as the origin's STREAM_NAME_PATTERN; repeated so the config module has no dependency on the HTTP layer.
const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const port = z
  .number({ error: 'expected a port number' })
  .int({ error: 'expected an integer port' })
  .min(0, { error: 'expected a port from 0 to 65535' })
  .max(65_535, { error: 'expected a port from 0 to 65535' });

const address = z.string({ error: 'expected an address' }).min(1, { error: 'expected an address' });

const byteCount = z
  .number({ error: 'expected a number of bytes' })
  .int({ error: 'expected a whole number of bytes' })
  .min(1024, { error: 'expected at least 1024 bytes' });

const count = z.number({ error: 'expected a number' }).int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' });

const positiveSeconds = z
  .number({ error: 'expected a number of seconds' })
  .positive({ error: 'expected a positive number of seconds' });

/** Bits/s as a number, or a string with a `k`/`M` suffix; at least 10 kb/s so kb/s typed as a bare number is caught. */
const bitrate = z
  .union([
    z.number({ error: 'expected bits/s' }),
    z
      .string()
      .regex(/^\d+(\.\d+)?[kM]?$/, { error: 'expected bits/s, e.g. 2500000, 2500k or 2.5M' })
      .transform((text) => {
        const multiplier = text.endsWith('k') ? 1_000 : text.endsWith('M') ? 1_000_000 : 1;
        return Math.round(Number.parseFloat(text) * multiplier);
      }),
  ], { error: 'expected bits/s, e.g. 2500000, 2500k or 2.5M' })
  .pipe(
    z
      .number()
      .int({ error: 'expected a whole number of bits/s' })
      .min(10_000, { error: 'expected bits/s (at least 10000); 2500 kb/s is 2500000 or 2500k' }),
  );

const ladderRung = z.strictObject({
  name: z.string({ error: 'expected a name' }).regex(/^[A-Za-z0-9_.-]{1,32}$/, {
    error: 'expected 1 to 32 characters of A-Z a-z 0-9 _ . -',
  }),
  height: z
    .number({ error: 'expected a height in pixels' })
    .int({ error: 'expected an integer height' })
    .min(16, { error: 'expected a height of at least 16 pixels' })
    .max(4320, { error: 'expected a height of at most 4320 pixels' })
    .refine((height) => height % 2 === 0, { error: 'expected an even height (4:2:0 video)' }),
  bitrate,
});

const language = z
  .string({ error: 'expected a language code' })
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, { error: 'expected a language code like en, deu or pt-BR' });

/**
 * The typed options of a pulled stream (config file and `POST
 * /api/streams`): no field takes ffmpeg syntax.
 */
export const pullSourceFields = {
  url: z.string({ error: 'expected a URL or file path' }).trim().min(1, { error: 'expected a URL or file path' }),
  loop: z.boolean({ error: 'expected true or false' }).optional(),
  nativeRate: z.boolean({ error: 'expected true or false' }).optional(),
  start: z.number({ error: 'expected seconds' }).min(0, { error: 'expected 0 to 86400 seconds' }).max(86_400, { error: 'expected 0 to 86400 seconds' }).optional(),
  format: z.enum(PULL_FORMATS, { error: `expected one of ${PULL_FORMATS.join(', ')}` }).optional(),
  rtspTransport: z.enum(['tcp', 'udp'], { error: 'expected tcp or udp' }).optional(),
  inputArgs: z
    .never({ error: 'inputArgs was removed: ffmpeg options are not accepted; use loop, nativeRate, start, format or rtspTransport' })
    .optional(),
};

/** {@link checkPullSource} as a zod refinement: the scheme, and options that fit the input's kind. */
export function checkPullFields(value: Omit<PullSourceConfig, 'type'>, context: z.RefinementCtx): void {
  try {
    checkPullSource({ type: 'pull', ...value });
  } catch (error) {
    if (!(error instanceof PullSourceError)) throw error;
    context.addIssue({ code: 'custom', path: ['url'], message: error.message });
  }
}

const streamSource = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('rtmp') }),
    z.strictObject({ type: z.literal('srt'), port: port.min(1, { error: 'expected a port from 1 to 65535' }) }),
    z.strictObject({ type: z.literal('pull'), ...pullSourceFields }).superRefine(checkPullFields),
  ],
  { error: 'expected type rtmp, srt or pull' },
);

const stream = z.strictObject({
  name: z.string({ error: 'expected a stream name' }).regex(STREAM_NAME, {
    error: 'expected 1 to 64 characters of A-Z a-z 0-9 _ -',
  }),
  key: z
    .union([
      z.string().min(1, { error: 'expected a non-empty key' }),
      z.array(z.string().min(1, { error: 'expected a non-empty key' })).min(1, { error: 'expected at least one key' }),
    ], { error: 'expected a key or a list of keys' })
    .optional(),
  private: z.boolean().optional(),
  source: streamSource,
  subtitles: z
    .array(
      z.strictObject({
        path: z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' }),
        language,
        label: z.string().optional(),
      }),
    )
    .optional(),
}).transform((value, context) => {
  if (value.key === undefined) return value;
  if (value.source.type === 'srt') {
    // libsrt needs the passphrase itself: the one place a key stays plain.
    if (typeof value.key !== 'string' || looksLikeKeyHash(value.key)) {
      context.addIssue({ code: 'custom', path: ['key'], message: 'an SRT stream takes one plain key (the SRT passphrase libsrt needs), not a list or a hash' });
      return z.NEVER;
    }
    return value;
  }
  try {
    return { ...value, key: toKeyHashes(value.key).map((hash) => hash.text) };
  } catch (error) {
    if (!(error instanceof KeyFormatError)) throw error;
    context.addIssue({ code: 'custom', path: ['key'], message: error.message });
    return z.NEVER;
  }
});

/** Names a duplicate among `values`, as a zod issue at `path`. */
function unique<T>(values: T[], key: (value: T) => string | number, what: string, context: z.RefinementCtx, path: PropertyKey[]): void {
  const seen = new Set<string | number>();
  values.forEach((value, index) => {
    const k = key(value);
    if (seen.has(k)) context.addIssue({ code: 'custom', message: `duplicate ${what} ${JSON.stringify(k)}`, path: [...path, index] });
    seen.add(k);
  });
}

const transcode = z
  .strictObject({
    codec: z.enum(['h264', 'av1'], { error: 'expected h264 or av1' }).default('h264'),
    preset: z.union([z.enum(X264_PRESETS), z.number().int()], { error: `expected an x264 preset (${X264_PRESETS.join(', ')}) or an SVT-AV1 preset number` }).optional(),
    segmentDuration: positiveSeconds.max(10, { error: 'expected at most 10 seconds' }).default(1),
    fps: z.number({ error: 'expected frames per second' }).positive({ error: 'expected a positive frame rate' }).max(120, { error: 'expected at most 120 frames per second' }).optional(),
    ladder: z
      .array(ladderRung, { error: 'expected a list of renditions' })
      .min(1, { error: 'expected at least one rendition' })
      .default(() => DEFAULT_LADDER.map((rung) => ({ ...rung }))),
    audio: z
      .strictObject({
        codec: z.literal('aac', { error: 'expected aac' }).default('aac'),
        bitrate: bitrate.default(128_000),
      })
      .prefault({}),
  })
  .superRefine((value, context) => {
    unique(value.ladder, (rung) => rung.name, 'rendition name', context, ['ladder']);
    unique(value.ladder, (rung) => rung.height, 'rendition height', context, ['ladder']);
    if (value.codec === 'h264' && typeof value.preset === 'number') {
      context.addIssue({ code: 'custom', path: ['preset'], message: `expected an x264 preset name for h264 (${X264_PRESETS.join(', ')})` });
    }
    if (value.codec === 'av1' && (typeof value.preset === 'string' || (value.preset !== undefined && (value.preset < 0 || value.preset > 13)))) {
      context.addIssue({ code: 'custom', path: ['preset'], message: 'expected an SVT-AV1 preset number from 0 to 13 for av1' });
    }
  })
  .transform((value) => ({ ...value, preset: value.preset ?? DEFAULT_PRESETS[value.codec] }));

const latency = z
  .strictObject({
    target: positiveSeconds.default(1),
    min: positiveSeconds.default(0.5),
    max: positiveSeconds.default(3),
    minPlaybackRate: z.number({ error: 'expected a playback rate' }).min(0.5, { error: 'expected a rate from 0.5 to 1' }).max(1, { error: 'expected a rate from 0.5 to 1' }).default(0.9),
    maxPlaybackRate: z.number({ error: 'expected a playback rate' }).min(1, { error: 'expected a rate from 1 to 1.5' }).max(1.5, { error: 'expected a rate from 1 to 1.5' }).default(1.15),
  })
  .superRefine((value, context) => {
    // A target that failed its own check would only add a confusing second message.
    if (!(value.target > 0)) return;
    if (value.min > value.target) context.addIssue({ code: 'custom', path: ['min'], message: `expected at most target (${value.target} s)` });
    if (value.max < value.target) context.addIssue({ code: 'custom', path: ['max'], message: `expected at least target (${value.target} s)` });
  });

/**
 * The zod schema of {@link OriginConfig}: unknown keys are errors (a typo
 * must not silently fall back to a default), every field has a default.
 */
export const originConfigSchema = z
  .strictObject({
    server: z
      .strictObject({
        port: port.default(8080),
        host: address.default('0.0.0.0'),
        publicUrl: z
          .string()
          .regex(/^https?:\/\/[^/?#]+\/?$/, { error: 'expected an http(s) URL with no path, e.g. https://live.example.com' })
          .optional(),
      })
      .prefault({}),
    latency: latency.prefault({}),
    transcode: transcode.prefault({}),
    rtmp: z.strictObject({ enabled: z.boolean().default(true), port: port.default(1935), host: address.optional() }).prefault({}),
    srt: z.strictObject({ enabled: z.boolean().default(true), host: address.optional() }).prefault({}),
    pull: z
      .strictObject({
        mediaDirectories: z
          .array(z.string().regex(/^\//, { error: 'expected an absolute directory path' }), { error: 'expected a list of directories' })
          .default(() => []),
        maxStreams: z.number({ error: 'expected a number of streams' }).int({ error: 'expected a whole number' }).min(0, { error: 'expected 0 or more' }).default(16),
        maxConcurrentProbes: z.number({ error: 'expected a number of probes' }).int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' }).max(64, { error: 'expected at most 64' }).default(2),
      })
      .prefault({}),
    testSource: z
      .strictObject({
        enabled: z.boolean().default(true),
        stream: z.string().regex(STREAM_NAME, { error: 'expected 1 to 64 characters of A-Z a-z 0-9 _ -' }).default('demo'),
        private: z.boolean().default(false),
      })
      .prefault({}),
    playback: z
      .strictObject({
        signing: z
          .strictObject({
            secrets: z
              .array(z.string().min(32, { error: 'expected a secret of at least 32 characters' }), { error: 'expected a list of secrets' })
              .min(1, { error: 'expected at least one secret' }),
            clockSkew: z.number({ error: 'expected seconds' }).min(0, { error: 'expected 0 or more seconds' }).max(3600, { error: 'expected at most 3600 seconds' }).default(30),
          })
          .optional(),
      })
      .prefault({}),
    limits: z
      .strictObject({
        headersTimeout: positiveSeconds.default(10),
        connectionTimeout: positiveSeconds.default(60),
        uploadIdleTimeout: positiveSeconds.default(10),
        maxUploadDuration: positiveSeconds.default(60),
        maxSegmentBytes: byteCount.default(64 * 1024 * 1024),
        maxManifestBytes: byteCount.default(1024 * 1024),
        maxHeldRequestsPerClient: z.number({ error: 'expected a number of requests' }).int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' }).default(64),
        maxUrlLength: z.number({ error: 'expected a number of characters' }).int({ error: 'expected a whole number' }).min(256, { error: 'expected at least 256' }).max(16_000, { error: 'expected at most 16000 (Node refuses longer headers anyway)' }).default(2048),
        requestBodyTimeout: positiveSeconds.default(10),
        maxConnectionsPerClient: count.default(256),
        maxKeyFailuresPerMinute: count.default(10),
        maxStreamBytes: byteCount.default(256 * 1024 * 1024),
        maxStoreBytes: byteCount.default(2 * 1024 * 1024 * 1024),
        maxUnreferencedSegments: count.default(32),
        maxUnreferencedBytes: byteCount.default(64 * 1024 * 1024),
        transcoderStallTimeout: positiveSeconds.default(6),
        readerStallTimeout: positiveSeconds.default(5),
      })
      .prefault({}),
    ffmpeg: z
      .strictObject({
        path: z.string().min(1, { error: 'expected a path' }).default('ffmpeg'),
        ffprobePath: z.string().min(1, { error: 'expected a path' }).default('ffprobe'),
      })
      .prefault({}),
    api: z
      .strictObject({
        // Bearer token for /api/*; without one the API is open (keep it on a private network then).
        token: z.string().min(16, { error: 'expected a token of at least 16 characters' }).optional(),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        token: z.string().min(16, { error: 'expected a token of at least 16 characters' }).optional(),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        format: z.enum(['json', 'pretty']).optional(),
      })
      .prefault({}),
    streams: z.array(stream, { error: 'expected a list of streams' }).default(() => []),
  }, { error: 'expected a mapping of settings at the top level' })
  .superRefine((value, context) => {
    unique(value.streams, (s) => s.name, 'stream name', context, ['streams']);
    if (value.playback.signing === undefined) {
      value.streams.forEach((s, index) => {
        if (s.private === true) context.addIssue({ code: 'custom', path: ['streams', index, 'private'], message: 'a private stream needs playback.signing.secrets' });
      });
      if (value.testSource.enabled && value.testSource.private) {
        context.addIssue({ code: 'custom', path: ['testSource', 'private'], message: 'a private stream needs playback.signing.secrets' });
      }
    }
    const pulled = value.streams.filter((s) => s.source.type === 'pull').length;
    if (pulled > value.pull.maxStreams) {
      context.addIssue({ code: 'custom', path: ['streams'], message: `${pulled} pulled streams declared; pull.maxStreams allows ${value.pull.maxStreams}` });
    }
    const srtPorts = new Map<number, string>();
    value.streams.forEach((s, index) => {
      if (s.source.type !== 'srt') return;
      const path = ['streams', index, 'source', 'port'];
      const { port: srtPort } = s.source;
      if (srtPort === value.server.port || (value.rtmp.enabled && srtPort === value.rtmp.port)) {
        context.addIssue({ code: 'custom', path, message: `port ${srtPort} is already used by the HTTP or RTMP server` });
      } else if (srtPorts.has(srtPort)) {
        context.addIssue({ code: 'custom', path, message: `port ${srtPort} is already used by stream ${JSON.stringify(srtPorts.get(srtPort))}` });
      }
      srtPorts.set(srtPort, s.name);
    });
  }) satisfies z.ZodType<OriginConfig>;
