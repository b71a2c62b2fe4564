import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkIngestKey, presentedKey, type PublishKeys } from '../auth/stream-keys.js';
import { ManifestError, prepareManifest, type ManifestOptions } from '../packaging/manifest.js';
import type { SegmentStore } from '../store/segment-store.js';
import { SegmentTooLargeError } from '../store/segment.js';
import { NO_STORE } from './cache-control.js';
import { checkFileName, checkStreamName } from './names.js';

/** Options of {@link ingestRoutes}. */
export interface IngestRoutesOptions {
  store: SegmentStore;
  /**
   * Largest manifest accepted, bytes. Manifests are buffered whole before
   * they replace the previous one; a bigger upload is cut off and the
   * previous manifest stays.
   * @defaultValue 1 MiB
   */
  maxManifestBytes?: number;
  /**
   * Fix-ups for each uploaded manifest of `stream` beyond the built-in
   * ones (ServiceDescription latency, fix-ups of other packaging steps).
   * @defaultValue none
   */
  manifest?: (stream: string) => ManifestOptions;
  /**
   * Publish keys: every request must present the stream's key or the
   * origin's internal token (`Authorization: Bearer KEY` or `?key=KEY`),
   * else 401 (none) or 403 (wrong) before any byte is read.
   * @defaultValue no key check
   */
  keys?: PublishKeys;
}

interface IngestParams {
  stream: string;
  file: string;
}

class ManifestTooLargeError extends Error {
  override readonly name = 'ManifestTooLargeError';
}

async function readWhole(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    // Leaving the loop destroys the request: an oversized body is not drained.
    if (length > maxBytes) throw new ManifestTooLargeError(`manifest exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
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
 * Ingest routes, as a Fastify plugin: `PUT`/`POST`/`DELETE
 * /ingest/{stream}/{file}`, the way ffmpeg's dash muxer publishes with
 * `-method PUT -http_persistent 1` (one chunked request per segment for the
 * segment's whole duration, on a reused keep-alive connection).
 *
 * Segment bodies are never buffered: each chunk goes into the store the
 * moment it arrives, so viewers get it while the upload is still open. A
 * manifest is buffered whole, fixed up and then swapped in. Bad names get
 * 400 before any byte is stored.
 */
export async function ingestRoutes(app: FastifyInstance, options: IngestRoutesOptions): Promise<void> {
  const { store } = options;
  const maxManifestBytes = options.maxManifestBytes ?? 1024 * 1024;

  // Leave every request body as an unread stream, whatever its content type
  // (ffmpeg sends none): the handlers consume it as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const validate = (request: FastifyRequest<{ Params: IngestParams }>, reply: FastifyReply): ReturnType<typeof checkFileName> | undefined => {
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
    if (options.keys !== undefined) {
      const check = checkIngestKey(options.keys, params.stream, presentedKey(request.headers, request.query));
      if (check !== 'ok') {
        request.log.warn({ stream: params.stream, file: params.file, ip: request.ip, reason: `${check} stream key` }, 'ingest refused');
        if (check === 'missing') {
          reply.header('www-authenticate', 'Bearer realm="llstream ingest"');
          sendError(reply, 401, 'Unauthorized', `publishing to stream ${params.stream} needs its stream key (Authorization: Bearer KEY or ?key=KEY)`);
        } else {
          sendError(reply, 403, 'Forbidden', `wrong stream key for stream ${params.stream}`);
        }
        return undefined;
      }
    }
    return kind;
  };

  app.route<{ Params: IngestParams }>({
    method: ['PUT', 'POST'],
    url: '/ingest/:stream/:file',
    handler: async (request, reply) => {
      const kind = validate(request, reply);
      if (kind === undefined) return reply;
      const { stream, file } = request.params;
      const log = request.log.child({ stream, file });

      if (kind === 'manifest') {
        let body: Buffer;
        try {
          body = await readWhole(request.raw, maxManifestBytes);
        } catch (error) {
          log.warn({ err: error }, 'manifest upload broke off');
          return abandon(reply);
        }
        try {
          store.putManifest(stream, file, prepareManifest(body.toString('utf8'), options.manifest?.(stream)));
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          log.warn({ err: error }, 'manifest rejected');
          return sendError(reply, 400, 'Bad Request', error.message);
        }
        return reply.code(204).send();
      }

      const segment = store.beginSegment(stream, file);
      try {
        await pipeline(request.raw, segment.createWriter());
      } catch (error) {
        // Publisher gone, segment replaced or evicted, or too large: the
        // segment is marked aborted and the request stream destroyed.
        const level = error instanceof SegmentTooLargeError ? 'error' : 'warn';
        log[level]({ err: error, bytes: segment.byteLength, chunks: segment.chunkCount }, 'segment upload broke off');
        return abandon(reply);
      }
      log.debug(
        { bytes: segment.byteLength, chunks: segment.chunkCount, ms: Math.round(performance.now() - segment.startedAt) },
        'segment uploaded',
      );
      return reply.code(204).send();
    },
  });

  app.delete<{ Params: IngestParams }>('/ingest/:stream/:file', async (request, reply) => {
    if (validate(request, reply) === undefined) return reply;
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
