import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { OriginMetrics } from '../metrics/origin-metrics.js';
import { NO_STORE } from './cache-control.js';

/** Options of {@link metricsRoute}. */
export interface MetricsRouteOptions {
  metrics: OriginMetrics;
  /**
   * When set, `GET /metrics` requires `Authorization: Bearer <token>`
   * (401 without it, 403 with a wrong one). Unset: open, for a scraper on a
   * private network.
   */
  token?: string | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * `GET /metrics`: the Prometheus text exposition of {@link OriginMetrics}
 * (and the process metrics), `no-store`.
 * @throws Error at registration if `token` is the empty string.
 */
export async function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  const { metrics, token } = options;
  if (token === '') throw new Error('metrics token must not be empty (leave it unset for an open /metrics)');
  // Compared as digests: equal lengths for timingSafeEqual, and no timing hint of the token's length.
  const expected = token === undefined ? undefined : digest(token);

  app.get('/metrics', async (request, reply) => {
    reply.header('cache-control', NO_STORE);
    if (expected !== undefined) {
      const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      if (presented === undefined) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send({ statusCode: 401, error: 'Unauthorized', message: 'GET /metrics needs Authorization: Bearer <metrics token>' });
      }
      if (!timingSafeEqual(digest(presented), expected)) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'wrong metrics token' });
      }
    }
    return reply.header('content-type', metrics.contentType).send(await metrics.expose());
  });
}
