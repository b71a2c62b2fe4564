import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotFoundKind, OriginMetrics } from '../metrics/origin-metrics.js';
import type { LiveStream } from '../store/live-stream.js';
import type { Segment } from '../store/segment.js';
import type { SegmentStore } from '../store/segment-store.js';
import parseRange from 'range-parser';
import { checkPlaybackToken, PLAYBACK_TOKEN_PATTERN } from '../auth/signed-urls.js';
import * as cacheControl from './cache-control.js';
import { checkFileName, checkStreamName } from './names.js';

/** Signed playback URLs, as the playback routes check them. */
export interface PlaybackSigning {
  /** Secrets a token may be signed with (more than one during a rotation); read per request, so they can change at run time. */
  secrets(): readonly string[];
  /** Seconds a token stays valid past its `expires` (default 30 s, `DEFAULT_CLOCK_SKEW`). */
  clockSkew: number;
}

/** Options of {@link playbackRoutes}. */
export interface PlaybackRoutesOptions {
  store: SegmentStore;
  /** Absolute base URL of the origin as `request` reached it (no trailing slash). */
  baseUrl(request: FastifyRequest): string;
  /** Counts the 404s; none counted without it. */
  metrics?: Pick<OriginMetrics, 'notFound'>;
  /**
   * How long a segment response may sit with its send buffer full (the
   * client takes no byte) before the connection is cut off, milliseconds.
   * See {@link DEFAULT_READER_STALL_TIMEOUT}.
   * @defaultValue {@link DEFAULT_READER_STALL_TIMEOUT} (5000 ms)
   */
  readerStallTimeout?: number;
  /** Whether playing `stream` needs a signed URL. @defaultValue no stream is private */
  isPrivate?: (stream: string) => boolean;
  /** How tokens are checked; required for private streams to be playable at all. */
  signing?: PlaybackSigning | undefined;
  /**
   * Requests one client (remote address) may have held at once, waiting
   * for a segment about to exist; more get 429. A player holds about one
   * per media type it plays (video, audio, a text track); a CDN edge that
   * collapses requests holds about one per rendition and segment number.
   * @defaultValue 64
   */
  maxHeldPerClient?: number;
}

/**
 * Default of {@link PlaybackRoutesOptions.readerStallTimeout}, milliseconds.
 *
 * A viewer that has taken no byte of a segment for 5 s is further behind
 * the live edge than any latency the manifest allows (ServiceDescription
 * `Latency@max`, 3 s by default), so what is queued for it is of no use;
 * it is also far longer than a healthy connection pauses (TCP's first
 * retransmission timeouts are 0.2 to 1 s).
 */
export const DEFAULT_READER_STALL_TIMEOUT = 5000;

interface PlaybackParams {
  stream: string;
  /** The playback token of a signed URL (`/live/{stream}/{token}/{file}`). */
  token?: string;
  file: string;
}

function segmentContentType(name: string): string {
  return name.endsWith('.mp4') ? 'video/mp4' : 'video/iso.segment';
}

function sendError(reply: FastifyReply, statusCode: number, error: string, message: string): FastifyReply {
  return reply.code(statusCode).header('cache-control', cacheControl.NO_STORE).send({ statusCode, error, message });
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).header('cache-control', cacheControl.NO_STORE).send({ statusCode: 404, error: 'Not Found', message });
}

/**
 * Headers for CDNs beyond Cache-Control: Akamai's origin-assist prefetch,
 * when the request says it is on, names the next media segment (relative
 * to this one: same directory), so the edge fetches it ahead; the origin
 * holds that request until the segment's upload starts, then streams it.
 */
function cdnHeaders(request: FastifyRequest, segment: Segment, stream: LiveStream): OutgoingHttpHeaders {
  if (request.headers[cacheControl.PREFETCH_ENABLED_HEADER] !== '1' || segment.state === 'aborted') return {};
  const next = stream.nextSegmentName(segment.name);
  return next === undefined ? {} : { [cacheControl.PREFETCH_PATH_HEADER]: next };
}

/**
 * Writes a segment response directly on the Node response, so the status
 * and headers go out at once (a held request learns at upload start that it
 * has its segment) and each chunk is written the moment the segment gets it.
 *
 * The body goes straight from the segment to the connection's socket
 * ({@link Segment.feed}): one socket write per chunk and viewer, the
 * chunked framing built once per chunk for all viewers. (A response that
 * has no socket yet, queued behind another on a pipelined connection, is
 * piped through a stream reader instead.)
 *
 * Backpressure, per viewer: when the client stops taking bytes, its
 * socket's kernel buffers fill, then the socket's own 16 KiB buffer; the
 * feed then stops at that chunk for this viewer alone, and the upload and
 * every other viewer go on. What the origin holds for a stalled viewer is
 * bounded by that high-water mark plus one chunk, and those bytes are the
 * segment's own buffers, never copies. If the socket stays full for
 * `stallTimeout` ms the connection is destroyed (the client sees an
 * incomplete response), which frees the socket and the segment it pins.
 *
 * - complete: `Content-Length`, immutable;
 * - uploading: chunked, cacheable for a short time in browsers (see
 *   {@link cacheControl.inProgressSegment}), as long as a finished one in
 *   CDNs ({@link cacheControl.SURROGATE_SEGMENT});
 * - aborted (now or later): chunked and `no-store`; after the bytes that
 *   arrived, the connection is closed without the terminating chunk, so
 *   clients and caches see an incomplete response, not a short segment.
 */
function sendSegment(
  request: FastifyRequest,
  reply: FastifyReply,
  segment: Segment,
  stream: LiveStream,
  requestedAt: number,
  stallTimeout: number,
): void {
  reply.hijack();
  // CORS headers were set on the reply by the cors hook; keep them.
  const headers: OutgoingHttpHeaders = {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': segmentContentType(segment.name),
    ...cdnHeaders(request, segment, stream),
  };
  switch (segment.state) {
    case 'complete':
      headers['cache-control'] = cacheControl.IMMUTABLE;
      headers['content-length'] = segment.byteLength;
      break;
    case 'uploading':
      headers['cache-control'] = cacheControl.inProgressSegment(stream.segmentDuration);
      headers['surrogate-control'] = cacheControl.SURROGATE_SEGMENT;
      break;
    case 'aborted':
      headers['cache-control'] = cacheControl.NO_STORE;
      break;
  }
  const response = reply.raw;
  // Byte ranges of finished segments (RFC 9110 §14); a range of a segment
  // still uploading, a multi-range or a malformed header is ignored, as
  // §14.2 allows: the whole segment follows with 200.
  const rangeHeader = request.headers.range;
  if (segment.state === 'complete' && rangeHeader !== undefined) {
    const ranges = parseRange(segment.byteLength, rangeHeader, { combine: true });
    if (ranges === -1) {
      delete headers['content-length'];
      response.writeHead(416, { ...headers, 'content-type': 'application/json', 'cache-control': cacheControl.NO_STORE, 'content-range': `bytes */${segment.byteLength}` });
      response.end(JSON.stringify({ statusCode: 416, error: 'Range Not Satisfiable', message: `range ${rangeHeader.slice(0, 80)} is outside the segment's ${segment.byteLength} bytes` }));
      return;
    }
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      const { start, end } = ranges[0]!;
      headers['content-length'] = end - start + 1;
      headers['content-range'] = `bytes ${start}-${end}/${segment.byteLength}`;
      response.writeHead(206, headers);
      if (request.method === 'HEAD') {
        response.end();
        return;
      }
      response.end(segment.bytes().subarray(start, end + 1));
      return;
    }
  }
  if (segment.state === 'complete') headers['accept-ranges'] = 'bytes';
  response.writeHead(200, headers);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const socket = response.socket;
  if (socket === null) {
    pipeSegment(request, response, segment, requestedAt, stallTimeout);
    return;
  }
  // The status line and headers go to the socket now; the body follows them there.
  response.flushHeaders();
  let stalled: NodeJS.Timeout | undefined;
  const unstall = (): void => {
    clearTimeout(stalled);
    stalled = undefined;
  };
  const feed = segment.feed(socket, {
    requestedAt,
    // Node chose the framing with the headers: chunked unless there is a
    // Content-Length or the client speaks HTTP/1.0.
    framing: response.chunkedEncoding ? 'chunked' : 'raw',
    blocked: () => {
      socket.once('drain', () => {
        unstall();
        feed.resume();
      });
      stalled ??= setTimeout(() => {
        request.log.info({ segment: segment.name, queued: socket.writableLength }, 'segment viewer stalled, connection cut off');
        socket.destroy();
      }, stallTimeout);
    },
    end: (state) => {
      unstall();
      // Complete: Node writes the terminating chunk. Aborted: close the
      // connection after the bytes that arrived, without it, so the
      // response reads as incomplete instead of as a short, good segment.
      if (state === 'complete') response.end();
      else socket.end();
    },
  });
  // Finished, or the client went away: either way the feed stops following the upload.
  response.once('close', () => {
    unstall();
    feed.close();
  });
}

/** {@link sendSegment} for a response without a socket yet: a stream reader piped into it. */
function pipeSegment(request: FastifyRequest, response: ServerResponse, segment: Segment, requestedAt: number, stallTimeout: number): void {
  const reader = segment.createReader({ requestedAt });
  reader.pipe(response);
  reader.on('error', () => {
    // The upload broke off. Let what was written reach the client, then
    // close the connection without the terminating chunk (destroying the
    // response would drop bytes still queued on the socket).
    reader.unpipe(response);
    response.socket?.end();
  });
  // The pipe pauses the reader when the response's buffer is full and
  // resumes it on 'drain'; a buffer that stays full is a stalled viewer.
  let stalled: NodeJS.Timeout | undefined;
  const unstall = (): void => {
    clearTimeout(stalled);
    stalled = undefined;
  };
  reader.on('pause', () => {
    if (stalled !== undefined || response.writableEnded) return;
    stalled = setTimeout(() => {
      request.log.info({ segment: segment.name, queued: response.writableLength }, 'segment viewer stalled, connection cut off');
      response.destroy();
    }, stallTimeout);
  });
  response.on('drain', unstall);
  response.on('close', () => {
    unstall();
    reader.destroy();
  });
}

/**
 * Playback routes, as a Fastify plugin: `GET`/`HEAD /live/{stream}/{file}`
 * for manifests (`*.mpd`, fixed up per request with this origin's URL) and
 * segments (streamed while they upload; held briefly if about to exist).
 */
export async function playbackRoutes(app: FastifyInstance, options: PlaybackRoutesOptions): Promise<void> {
  const { store, baseUrl, metrics, signing } = options;
  const stallTimeout = options.readerStallTimeout ?? DEFAULT_READER_STALL_TIMEOUT;
  if (!(stallTimeout > 0)) throw new RangeError(`readerStallTimeout: expected milliseconds above 0, got ${stallTimeout}`);
  const isPrivate = options.isPrivate ?? (() => false);
  const maxHeldPerClient = options.maxHeldPerClient ?? 64;
  /** Held requests per remote address. */
  const heldBy = new Map<string, number>();
  const missing = (reply: FastifyReply, kind: NotFoundKind, message: string): FastifyReply => {
    metrics?.notFound(kind);
    return notFound(reply, message);
  };

  // Signed URLs: a private stream needs a valid token; with signing
  // configured, a token given for any stream must be valid too (as an edge
  // that checks tokens demands).
  app.addHook('onRequest', async (request: FastifyRequest<{ Params: PlaybackParams }>, reply) => {
    const { stream, token } = request.params;
    if (token !== undefined && !PLAYBACK_TOKEN_PATTERN.test(token)) {
      const shown = JSON.stringify(token.length > 80 ? `${token.slice(0, 80)}…` : token);
      return sendError(reply, 400, 'Bad Request', `path must be /live/{stream}/{file} or /live/{stream}/{expires}-{signature}/{file}; ${shown} is not a playback token`);
    }
    if (!isPrivate(stream) && (token === undefined || signing === undefined)) return;
    if (signing === undefined) return sendError(reply, 403, 'Forbidden', `stream ${stream} is private and this origin has no playback.signing secret`);
    const check = checkPlaybackToken(signing.secrets(), stream, token, Date.now(), signing.clockSkew);
    if (!check.ok) {
      request.log.debug({ stream, ip: request.ip, problem: check.problem }, 'playback refused');
      return sendError(reply, 403, 'Forbidden', check.message);
    }
  });

  app.route<{ Params: PlaybackParams }>({
    method: ['GET', 'HEAD'],
    url: '/live/:stream/:token/:file',
    exposeHeadRoute: false,
    handler: (request, reply) => play(request, reply),
  });

  app.route<{ Params: PlaybackParams }>({
    method: ['GET', 'HEAD'],
    url: '/live/:stream/:file',
    exposeHeadRoute: false,
    handler: (request, reply) => play(request, reply),
  });

  async function play(request: FastifyRequest<{ Params: PlaybackParams }>, reply: FastifyReply): Promise<FastifyReply> {
    // Chunks arriving from now on count this request in their fan-out delay.
    const requestedAt = performance.now();
    const { stream: streamName, file } = request.params;
    const problem = checkStreamName(streamName);
    const kind = problem === undefined ? checkFileName(file) : problem;
    if (typeof kind !== 'string') {
      return reply.code(400).header('cache-control', cacheControl.NO_STORE).send({ statusCode: 400, error: 'Bad Request', message: kind.problem });
    }
    const stream = store.stream(streamName);
    if (stream === undefined) return missing(reply, 'stream', `no stream ${streamName}`);

    if (kind === 'manifest') {
      const manifest = stream.manifest(file);
      if (manifest === undefined) return missing(reply, 'manifest', `stream ${streamName} has no ${file}`);
      return reply
        .header('content-type', 'application/dash+xml')
        .header('cache-control', cacheControl.manifest(stream.segmentDuration))
        // The document embeds the URL the client reached us by.
        .header('vary', 'X-Forwarded-Host, X-Forwarded-Proto')
        .send(manifest.render(`${baseUrl(request)}/time`));
    }

    let segment = stream.segment(file);
    if (segment === undefined) {
      // About to be held (or a 404 at once): bounded per client.
      const client = request.ip;
      const held = heldBy.get(client) ?? 0;
      if (held >= maxHeldPerClient) {
        return reply
          .header('retry-after', '1')
          .code(429)
          .header('cache-control', cacheControl.NO_STORE)
          .send({ statusCode: 429, error: 'Too Many Requests', message: `this client already has ${held} requests waiting for segments about to exist (at most ${maxHeldPerClient})` });
      }
      heldBy.set(client, held + 1);
      const clientGone = new AbortController();
      const onClose = (): void => clientGone.abort();
      reply.raw.once('close', onClose);
      try {
        segment = await stream.waitForSegment(file, clientGone.signal);
      } finally {
        reply.raw.off('close', onClose);
        const left = (heldBy.get(client) ?? 1) - 1;
        if (left === 0) heldBy.delete(client);
        else heldBy.set(client, left);
      }
      if (clientGone.signal.aborted) return reply.hijack();
    }
    if (segment === undefined) return missing(reply, 'segment', `stream ${streamName} has no ${file}`);
    sendSegment(request, reply, segment, stream, requestedAt, stallTimeout);
    return reply;
  }
}
