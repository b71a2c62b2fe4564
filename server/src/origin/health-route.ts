import type { FastifyInstance } from 'fastify';
import type { LiveStreamStats } from '../store/live-stream.js';
import type { FfmpegStatus } from '../transcode/ffmpeg-supervisor.js';
import { NO_STORE } from './cache-control.js';
import { checkOperator, type OperatorAccess } from './operator-access.js';

/** Body of `GET /healthz` for the operator (see {@link HealthRouteOptions.access}). */
export interface HealthReport {
  status: 'ok';
  /** Seconds since the origin was created. */
  uptime: number;
  /** Process memory in bytes: resident set and V8 heap in use. */
  memory: { rss: number; heapUsed: number };
  streams: LiveStreamStats[];
  /** The built-in test source's ffmpeg, or null when it is disabled. */
  testSource: FfmpegStatus | null;
}

/** Options of {@link healthRoute}. */
export interface HealthRouteOptions {
  report(): HealthReport;
  /**
   * Who gets the whole {@link HealthReport} (stream names, viewers,
   * memory); everyone else gets `{ status }` only. The same rule as the
   * stream API's: the API token when one is set, else this host.
   * @defaultValue no token: this host only
   */
  access?: OperatorAccess | undefined;
}

/**
 * `GET /healthz`, never cached: `200 { status: 'ok' }` for anyone (a load
 * balancer's check needs no token), the full {@link HealthReport} for the
 * operator. A request that presents a wrong token gets the short answer
 * too, and the wrong token counts against its address.
 */
export async function healthRoute(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  app.get('/healthz', async (request, reply) => {
    reply.header('cache-control', NO_STORE);
    const asked = request.headers.authorization !== undefined || options.access?.token === undefined;
    const operator = asked && checkOperator(request, options.access ?? {}, '/healthz').ok;
    return reply.send(operator ? options.report() : { status: 'ok' });
  });
}
