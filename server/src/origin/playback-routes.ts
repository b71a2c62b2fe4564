import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotFoundKind, OriginMetrics } from '../metrics/origin-metrics.js';
import type { Segment } from '../store/segment.js';
import type { SegmentStore } from '../store/segment-store.js';
import * as cacheControl from './cache-control.js';
import { checkFileName, checkStreamName } from './names.js';

/** Options of {@link playbackRoutes}. */
export interface PlaybackRoutesOptions {
  store: SegmentStore;
  /** Absolute base URL of the origin as `request` reached it (no trailing slash). */
  baseUrl(request: FastifyRequest): string;
  /** Counts the 404s; none counted without it. */
  metrics?: Pick<OriginMetrics, 'notFound'>;
}

interface PlaybackParams {
  stream: string;
  file: string;
}

function segmentContentType(name: string): string {
  return name.endsWith('.mp4') ? 'video/mp4' : 'video/iso.segment';
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).header('cache-control', cacheControl.NO_STORE).send({ statusCode: 404, error: 'Not Found', message });
}

/**
 * Writes a segment response directly on the Node response, so the status
 * and headers go out at once (a held request learns at upload start that it
 * has its segment) and each chunk is written the moment the segment gets it.
 *
 * - complete: `Content-Length`, immutable;
 * - uploading: chunked, cacheable for a short time (see
 *   {@link cacheControl.inProgressSegment});
 * - aborted (now or later): chunked and `no-store`; after the bytes that
 *   arrived, the connection is closed without the terminating chunk, so
 *   clients and caches see an incomplete response, not a short segment.
 */
function sendSegment(request: FastifyRequest, reply: FastifyReply, segment: Segment, segmentDuration: number, requestedAt: number): void {
  reply.hijack();
  // CORS headers were set on the reply by the cors hook; keep them.
  const headers: OutgoingHttpHeaders = {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': segmentContentType(segment.name),
  };
  switch (segment.state) {
    case 'complete':
      headers['cache-control'] = cacheControl.IMMUTABLE;
      headers['content-length'] = segment.byteLength;
      break;
    case 'uploading':
      headers['cache-control'] = cacheControl.inProgressSegment(segmentDuration);
      break;
    case 'aborted':
      headers['cache-control'] = cacheControl.NO_STORE;
      break;
  }
  const response = reply.raw;
  response.writeHead(200, headers);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const reader = segment.createReader({ requestedAt });
  reader.pipe(response);
  reader.on('error', () => {
    // The upload broke off. Let what was written reach the client, then
    // close the connection without the terminating chunk: the response
    // reads as incomplete instead of as a short, good segment. (Destroying
    // the response would drop bytes still queued on the socket.)
    reader.unpipe(response);
    response.socket?.end();
  });
  // Finished, or the client went away: either way the reader stops following the upload.
  response.on('close', () => reader.destroy());
}

/**
 * Playback routes, as a Fastify plugin: `GET`/`HEAD /live/{stream}/{file}`
 * for manifests (`*.mpd`, fixed up per request with this origin's URL) and
 * segments (streamed while they upload; held briefly if about to exist).
 */
export async function playbackRoutes(app: FastifyInstance, options: PlaybackRoutesOptions): Promise<void> {
  const { store, baseUrl, metrics } = options;
  const missing = (reply: FastifyReply, kind: NotFoundKind, message: string): FastifyReply => {
    metrics?.notFound(kind);
    return notFound(reply, message);
  };

  app.route<{ Params: PlaybackParams }>({
    method: ['GET', 'HEAD'],
    url: '/live/:stream/:file',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
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

      const clientGone = new AbortController();
      const onClose = (): void => clientGone.abort();
      reply.raw.once('close', onClose);
      const segment = await stream.waitForSegment(file, clientGone.signal);
      reply.raw.off('close', onClose);
      if (clientGone.signal.aborted) return reply.hijack();
      if (segment === undefined) return missing(reply, 'segment', `stream ${streamName} has no ${file}`);
      sendSegment(request, reply, segment, stream.segmentDuration, requestedAt);
      return reply;
    },
  });
}
