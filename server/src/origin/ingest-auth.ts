import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientKey, type FailureLimiter } from '../auth/failure-limiter.js';
import { checkIngestKey, presentedKey, type PublishKeys } from '../auth/stream-keys.js';
import { NO_STORE } from './cache-control.js';

/** How ingest requests are authorized: the publish keys, and the limit on wrong ones. */
export interface IngestAuth {
  keys: PublishKeys;
  /** Wrong keys per client (see {@link FailureLimiter}); none: unlimited. */
  limiter?: FailureLimiter | undefined;
}

/**
 * Checks an ingest request's key (`Authorization: Bearer KEY` or `?key=`)
 * before any byte of its body is read, and answers a refusal itself: 401
 * without a key, 403 with a wrong one, 429 (with `Retry-After`) for a
 * client that presented too many wrong keys lately. The answer is the same
 * for a stream that is not declared and one whose key is wrong: it tells
 * nobody which names exist. The connection is closed after a refusal (the
 * unread body must not be taken for the next request).
 * @returns whether the request may go on.
 */
export async function authorizeIngest(request: FastifyRequest, reply: FastifyReply, auth: IngestAuth, stream: string, file: string): Promise<boolean> {
  const client = clientKey(request.ip);
  const check = await checkIngestKey(auth.keys, stream, presentedKey(request.headers, request.query), auth.limiter === undefined ? undefined : { client, limiter: auth.limiter });
  if (check === 'ok') return true;
  request.log.warn({ stream, file, ip: request.ip, reason: `${check} stream key` }, 'ingest refused');
  const refuse = (statusCode: number, error: string, message: string): void => {
    void reply.code(statusCode).header('cache-control', NO_STORE).header('connection', 'close').send({ statusCode, error, message });
  };
  if (check === 'missing') {
    reply.header('www-authenticate', 'Bearer realm="llstream ingest"');
    refuse(401, 'Unauthorized', `publishing to stream ${stream} needs its stream key (Authorization: Bearer KEY or ?key=KEY)`);
  } else if (check === 'limited') {
    const seconds = Math.ceil(auth.limiter!.retryAfter(client) / 1000);
    reply.header('retry-after', String(seconds));
    refuse(429, 'Too Many Requests', `too many wrong stream keys from this address; try again in ${seconds} s`);
  } else {
    refuse(403, 'Forbidden', `wrong stream key for stream ${stream}`);
  }
  return false;
}
