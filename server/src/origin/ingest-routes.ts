import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ManifestError, prepareManifest, type ManifestInfo, type ManifestOptions } from '../packaging/manifest.js';
import { StoreLimitError } from '../store/live-stream.js';
import type { SegmentStore } from '../store/segment-store.js';
import { SegmentTooLargeError } from '../store/segment.js';
import { NO_STORE } from './cache-control.js';
import { authorizeIngest, type IngestAuth } from './ingest-auth.js';
import { checkFileName, checkStreamName } from './names.js';

/** Options of {@link ingestRoutes}. */
export interface IngestRoutesOptions {
  store: SegmentStore;
  /**
   * Largest manifest accepted, bytes. Manifests are buffered whole before
   * they replace the previous one; a bigger upload gets 413 and the
   * previous manifest stays. ffmpeg's manifest for a 4-rung ladder with
   * audio and subtitles is about 4 KiB; 1 MiB leaves room for any
   * SegmentTimeline a publisher could sensibly send.
   * @defaultValue 1 MiB
   */
  maxManifestBytes?: number;
  /**
   * Largest segment accepted, bytes: the store's `maxSegmentBytes`, checked
   * here against a `Content-Length` before any byte is read (413); a
   * chunked upload that grows past it gets 413 when it does, and the
   * segment is dropped.
   * @defaultValue 64 MiB
   */
  maxSegmentBytes?: number;
  /**
   * An upload (segment or manifest) that receives no byte for this long, ms,
   * is answered 408 and closed; its segment is dropped (later requests get
   * 404, readers following it see it cut short). ffmpeg's dash muxer sends
   * one CMAF chunk per frame, so a live upload is never silent for more
   * than a frame interval plus encoder stalls.
   * @defaultValue 10 000 ms
   */
  uploadIdleTimeout?: number;
  /**
   * Longest an upload may last, ms (408 after that, segment dropped). A
   * segment upload lasts one segment duration (at most 10 s with this
   * origin's transcoder); this bounds a publisher that trickles bytes just
   * often enough to beat the idle timeout.
   * @defaultValue 60 000 ms
   */
  maxUploadDuration?: number;
  /**
   * Fix-ups for each uploaded manifest of `stream` beyond the built-in
   * ones (ServiceDescription latency, fix-ups of other packaging steps).
   * @defaultValue none
   */
  manifest?: (stream: string) => ManifestOptions;
  /**
   * Publish keys: every request must present the stream's key or its
   * transcoder's credential (`Authorization: Bearer KEY` or `?key=KEY`),
   * else 401 (none), 403 (wrong) or 429 (too many wrong ones lately) before
   * any byte is read (see {@link authorizeIngest}).
   * @defaultValue no key check
   */
  auth?: IngestAuth;
  /**
   * A rewriter for the bytes of a media segment upload (the capture clock's
   * `prft` times, see `PrftRewriter`), or undefined to store them as they
   * come. Asked once per segment upload.
   * @defaultValue none
   */
  chunkRewriter?: (stream: string, file: string) => ChunkRewriter | undefined;
}

/** Rewrites the bytes of one upload as they stream through (see `PrftRewriter`). */
export interface ChunkRewriter {
  /** The next piece that came in. @returns the bytes to store now, in order. */
  push(chunk: Buffer): Buffer[];
  /** The upload is complete. @returns what is still held. */
  end(): Buffer[];
}

interface IngestParams {
  stream: string;
  file: string;
}

/** Longest segment duration an uploaded manifest may state, s (the DASH spec sets none; this origin's transcoder allows 10). */
const MAX_MANIFEST_SEGMENT_DURATION = 60;
/** Most Representations an uploaded manifest may list (a 4-rung ladder with 8 audio and 8 subtitle tracks has 20). */
const MAX_MANIFEST_REPRESENTATIONS = 100;

/**
 * Refuses a well-formed MPD whose timing would make the store misbehave
 * (a hold or window computed from an absurd segment duration).
 * @throws ManifestError naming the problem.
 */
function checkManifestInfo(info: ManifestInfo): void {
  const { segmentDuration, representations } = info;
  if (!Number.isFinite(segmentDuration) || segmentDuration <= 0 || segmentDuration > MAX_MANIFEST_SEGMENT_DURATION) {
    throw new ManifestError(`manifest segment duration ${segmentDuration} s is outside (0, ${MAX_MANIFEST_SEGMENT_DURATION}] s`);
  }
  if (representations.length > MAX_MANIFEST_REPRESENTATIONS) {
    throw new ManifestError(`manifest lists ${representations.length} Representations; at most ${MAX_MANIFEST_REPRESENTATIONS} are accepted`);
  }
}

/** How a request body ended. */
type BodyOutcome = 'complete' | 'too-large' | 'idle' | 'too-long' | 'broken';

/**
 * Reads a request body as it arrives, handing each chunk to `onChunk`
 * (which may throw {@link BodyTooLargeError}), with an idle and a total
 * time limit. Never destroys the request: the caller answers first.
 */
function receiveBody(request: IncomingMessage, onChunk: (chunk: Buffer) => void, limits: { idle: number; total: number }): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let lastDataAt = startedAt;
    let timer: NodeJS.Timeout;
    const finish = (outcome: BodyOutcome): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      request.off('error', onClose);
      if (outcome !== 'complete') request.pause();
      resolve(outcome);
    };
    const check = (): void => {
      const now = performance.now();
      if (now - startedAt >= limits.total) return finish('too-long');
      if (now - lastDataAt >= limits.idle) return finish('idle');
      timer = setTimeout(check, Math.min(limits.idle - (now - lastDataAt), limits.total - (now - startedAt)));
    };
    const onData = (chunk: Buffer): void => {
      lastDataAt = performance.now();
      try {
        onChunk(chunk);
      } catch (error) {
        finish(error instanceof BodyTooLargeError || error instanceof SegmentTooLargeError ? 'too-large' : 'broken');
      }
    };
    const onEnd = (): void => finish('complete');
    const onClose = (): void => finish(request.complete ? 'complete' : 'broken');
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onClose);
    request.on('error', onClose);
    timer = setTimeout(check, Math.min(limits.idle, limits.total));
  });
}

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** Ends an ingest request whose body could not be taken: there is nobody left to answer. */
function abandon(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.destroy();
  return reply;
}

function sendError(reply: FastifyReply, statusCode: number, error: string, message: string): FastifyReply {
  // A request body we did not read must not be taken for the next request.
  return reply.code(statusCode).header('cache-control', NO_STORE).header('connection', 'close').send({ statusCode, error, message });
}

/**
 * Answers an upload the origin stopped reading midway (413, 408, 507), then
 * closes the connection. What the client still sends is read and thrown
 * away for up to a second first: closing a socket with unread data makes
 * the kernel send a reset, and the client could lose the answer.
 */
function refuseUpload(request: FastifyRequest, reply: FastifyReply, statusCode: 408 | 413 | 507, message: string): FastifyReply {
  const socket = request.raw.socket;
  reply.raw.once('finish', () => {
    request.raw.resume();
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  return sendError(reply, statusCode, REFUSAL_ERRORS[statusCode], message);
}

const REFUSAL_ERRORS = { 408: 'Request Timeout', 413: 'Payload Too Large', 507: 'Insufficient Storage' } as const;

/**
 * Answers an upload the store has no room for (see {@link StoreLimitError}):
 * 507, or 413 if the upload alone is larger than the bound. The store has
 * dropped the segment already.
 */
function refuseForStoreLimit(request: FastifyRequest, reply: FastifyReply, log: FastifyBaseLogger, error: StoreLimitError, bytes: number): FastifyReply {
  log.error({ bound: error.bound, limit: error.limit, bytes }, 'segment upload refused: store memory bound; segment dropped');
  return refuseUpload(request, reply, error.tooLarge ? 413 : 507, error.message);
}

/** Content-Length of a request, if it sent a valid one. */
function declaredLength(request: FastifyRequest): number | undefined {
  const value = request.headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Ingest routes, as a Fastify plugin: `PUT`/`POST`/`DELETE
 * /ingest/{stream}/{file}`, the way ffmpeg's dash muxer publishes with
 * `-method PUT -http_persistent 1` (one chunked request per segment for the
 * segment's whole duration, on a reused keep-alive connection).
 *
 * Segment bodies are never buffered: each chunk goes into the store the
 * moment it arrives, so viewers get it while the upload is still open. A
 * manifest is buffered whole, fixed up and then swapped in. Bad names get
 * 400 before any byte is stored; a missing or wrong key 401/403; a body
 * over its limit 413, a stalled or endless one 408 (see
 * {@link IngestRoutesOptions}); a segment the store has no room for 507
 * (see {@link StoreLimitError}); a manifest that is not a usable MPD 400,
 * and the previous manifest stays.
 */
export async function ingestRoutes(app: FastifyInstance, options: IngestRoutesOptions): Promise<void> {
  const { store } = options;
  const maxManifestBytes = options.maxManifestBytes ?? 1024 * 1024;
  const maxSegmentBytes = options.maxSegmentBytes ?? 64 * 1024 * 1024;
  const limits = { idle: options.uploadIdleTimeout ?? 10_000, total: options.maxUploadDuration ?? 60_000 };

  // Leave every request body as an unread stream, whatever its content type
  // (ffmpeg sends none): the handlers consume it as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const validate = async (request: FastifyRequest<{ Params: IngestParams }>, reply: FastifyReply): Promise<ReturnType<typeof checkFileName> | undefined> => {
    const { params } = request;
    const streamProblem = checkStreamName(params.stream);
    if (streamProblem !== undefined) {
      sendError(reply, 400, 'Bad Request', streamProblem.problem);
      return undefined;
    }
    const kind = checkFileName(params.file);
    if (typeof kind !== 'string') {
      sendError(reply, 400, 'Bad Request', kind.problem);
      return undefined;
    }
    if (options.auth !== undefined && !(await authorizeIngest(request, reply, options.auth, params.stream, params.file))) return undefined;
    return kind;
  };

  const timeoutMessage = (outcome: 'idle' | 'too-long'): string =>
    outcome === 'idle'
      ? `upload sent nothing for ${limits.idle / 1000} s`
      : `upload took longer than ${limits.total / 1000} s`;

  app.route<{ Params: IngestParams }>({
    method: ['PUT', 'POST'],
    url: '/ingest/:stream/:file',
    handler: async (request, reply) => {
      const kind = await validate(request, reply);
      if (kind === undefined) return reply;
      const { stream, file } = request.params;
      const log = request.log.child({ stream, file });
      const maxBytes = kind === 'manifest' ? maxManifestBytes : maxSegmentBytes;
      const length = declaredLength(request);
      if (length !== undefined && length > maxBytes) {
        log.warn({ bytes: length, maxBytes }, 'upload refused: too large');
        return sendError(reply, 413, 'Payload Too Large', `${kind} ${file} is ${length} bytes; at most ${maxBytes} are accepted`);
      }

      if (kind === 'manifest') {
        const chunks: Buffer[] = [];
        let received = 0;
        const outcome = await receiveBody(
          request.raw,
          (chunk) => {
            received += chunk.length;
            if (received > maxManifestBytes) throw new BodyTooLargeError();
            chunks.push(chunk);
          },
          limits,
        );
        if (outcome !== 'complete') {
          log.warn({ outcome, bytes: received }, 'manifest upload refused or broken off; the previous manifest stays');
          if (outcome === 'too-large') return refuseUpload(request, reply, 413, `manifest ${file} exceeds ${maxManifestBytes} bytes`);
          if (outcome === 'idle' || outcome === 'too-long') return refuseUpload(request, reply, 408, timeoutMessage(outcome));
          return abandon(reply);
        }
        let manifest;
        try {
          manifest = prepareManifest(Buffer.concat(chunks, received).toString('utf8'), options.manifest?.(stream));
          checkManifestInfo(manifest.info);
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          log.warn({ err: error }, 'manifest rejected; the previous manifest stays');
          return sendError(reply, 400, 'Bad Request', error.message);
        }
        store.putManifest(stream, file, manifest);
        return reply.code(204).send();
      }

      let segment;
      try {
        segment = store.beginSegment(stream, file);
      } catch (error) {
        if (!(error instanceof StoreLimitError)) throw error;
        return refuseForStoreLimit(request, reply, log, error, 0);
      }
      let storeLimit: StoreLimitError | undefined;
      const rewriter = options.chunkRewriter?.(stream, file);
      const storePieces = (pieces: Buffer[]): void => {
        // One append per piece that came in: a reader gets each chunk in one write.
        const piece = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
        if (piece.length === 0) return;
        try {
          segment.append(piece);
        } catch (error) {
          if (error instanceof StoreLimitError) storeLimit = error;
          throw error;
        }
      };
      const outcome = await receiveBody(request.raw, (chunk) => storePieces(rewriter === undefined ? [chunk] : rewriter.push(chunk)), limits);
      if (storeLimit !== undefined) return refuseForStoreLimit(request, reply, log, storeLimit, segment.byteLength);
      if (outcome === 'complete') {
        if (rewriter !== undefined) storePieces(rewriter.end());
        segment.finish();
        log.debug(
          { bytes: segment.byteLength, chunks: segment.chunkCount, ms: Math.round(performance.now() - segment.startedAt) },
          'segment uploaded',
        );
        return reply.code(204).send();
      }
      const details = { outcome, bytes: segment.byteLength, chunks: segment.chunkCount };
      if (outcome === 'broken') {
        // Publisher gone, or the segment was replaced or evicted: readers
        // see it cut short (it stays, marked aborted, until the window passes).
        segment.abort();
        log.warn(details, 'segment upload broke off');
        return abandon(reply);
      }
      // Refused midway: nobody gets a partial segment from now on.
      store.discard(stream, segment);
      log.error(details, 'segment upload refused; segment dropped');
      if (outcome === 'too-large') return refuseUpload(request, reply, 413, `segment ${file} exceeds ${maxSegmentBytes} bytes`);
      return refuseUpload(request, reply, 408, timeoutMessage(outcome));
    },
  });

  app.delete<{ Params: IngestParams }>('/ingest/:stream/:file', async (request, reply) => {
    if ((await validate(request, reply)) === undefined) return reply;
    const removed = store.delete(request.params.stream, request.params.file);
    request.log.debug({ stream: request.params.stream, file: request.params.file, removed }, 'delete');
    if (!removed) return reply.code(404).header('cache-control', NO_STORE).send({ statusCode: 404, error: 'Not Found', message: 'no such file' });
    return reply.code(204).send();
  });

  // Any other path shape under /ingest (extra segments, dot segments that a
  // client did not normalize) is a bad name, not an unknown route.
  app.route({
    method: ['PUT', 'POST', 'DELETE'],
    url: '/ingest/*',
    handler: async (_request, reply) =>
      sendError(reply, 400, 'Bad Request', 'ingest path must be /ingest/{stream}/{file} with no further path segments'),
  });
}
