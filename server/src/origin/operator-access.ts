import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientKey, type FailureLimiter } from '../auth/failure-limiter.js';
import { keysMatch } from '../auth/stream-keys.js';
import { NO_STORE } from './cache-control.js';

/** Headers a proxy (a CDN edge such as the shipped Varnish, a reverse proxy) adds: a request carrying one is not local, whatever its socket. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'via'] as const;

/**
 * Whether a request comes from this host itself and through no proxy:
 * its socket's peer is a loopback address (127.0.0.0/8, ::1, or
 * IPv4-mapped 127.x) and it carries none of the headers a proxy adds. An
 * edge on the same host forwards a viewer's request from loopback too;
 * its `X-Forwarded-For` keeps that viewer from passing as local.
 */
export function isLocalRequest(request: Pick<FastifyRequest, 'headers'> & { raw: { socket: { remoteAddress?: string | undefined } } }): boolean {
  const address = request.raw.socket.remoteAddress ?? '';
  const loopback = /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
  return loopback && PROXY_HEADERS.every((header) => request.headers[header] === undefined);
}

/** Who may use the operator's endpoints (the stream API, `/healthz` details). */
export interface OperatorAccess {
  /**
   * The bearer token they require. Without one, only {@link isLocalRequest}
   * requests are the operator's.
   */
  token?: string | undefined;
  /** Wrong tokens per client (429 after too many). */
  limiter?: FailureLimiter | undefined;
}

/** How {@link checkOperator} judged a request. */
export type OperatorCheck =
  | { ok: true }
  | { ok: false; statusCode: 401 | 403 | 429; error: string; message: string; headers?: Record<string, string> };

/**
 * Whether a request is the operator's: the right bearer token when one is
 * set (a wrong one counts against the client's {@link FailureLimiter},
 * checked first), else a local request.
 */
export function checkOperator(request: FastifyRequest, access: OperatorAccess, what: string): OperatorCheck {
  const { token, limiter } = access;
  if (token === undefined) {
    if (isLocalRequest(request)) return { ok: true };
    return {
      ok: false,
      statusCode: 403,
      error: 'Forbidden',
      message: `${what} answers only on this host (loopback, not through a proxy) while api.token is not set; set api.token to use it from elsewhere`,
    };
  }
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (presented === undefined) {
    return { ok: false, statusCode: 401, error: 'Unauthorized', message: `${what} needs Authorization: Bearer TOKEN (api.token of the config)`, headers: { 'www-authenticate': 'Bearer realm="llstream api"' } };
  }
  const client = clientKey(request.ip);
  const wait = limiter?.retryAfter(client) ?? 0;
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    return { ok: false, statusCode: 429, error: 'Too Many Requests', message: `too many wrong tokens from this address; try again in ${seconds} s`, headers: { 'retry-after': String(seconds) } };
  }
  if (keysMatch(presented, token)) return { ok: true };
  limiter?.fail(client);
  return { ok: false, statusCode: 403, error: 'Forbidden', message: 'wrong API token' };
}

/**
 * Sends an {@link OperatorCheck} refusal (`no-store`, and the connection
 * closed: the request's body, if any, is not read).
 */
export function refuseOperator(reply: FastifyReply, check: Extract<OperatorCheck, { ok: false }>): FastifyReply {
  return reply
    .code(check.statusCode)
    .headers({ ...check.headers, 'cache-control': NO_STORE, connection: 'close' })
    .send({ statusCode: check.statusCode, error: check.error, message: check.message });
}
