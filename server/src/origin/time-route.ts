import type { FastifyInstance } from 'fastify';
import { NO_STORE } from './cache-control.js';

/**
 * `GET /time`: the origin's clock for players' clock sync (the manifest's
 * UTCTiming points here). Body: UTC as ISO 8601 with milliseconds, e.g.
 * `2026-11-23T03:49:28.762Z`, which is an `xs:dateTime` as the
 * `http-xsdate` scheme wants. Never cached: a cached clock is a wrong one.
 */
export async function timeRoute(app: FastifyInstance): Promise<void> {
  app.get('/time', async (_request, reply) =>
    reply.header('cache-control', NO_STORE).type('text/plain; charset=utf-8').send(new Date().toISOString()),
  );
}
