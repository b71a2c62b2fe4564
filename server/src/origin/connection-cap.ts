import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { clientKey } from '../auth/failure-limiter.js';

/** What a connection over the cap gets before it is closed: a complete HTTP answer, so that a client sees why. */
function refusal(max: number): string {
  const body = JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: `this address already has ${max} connections open to the origin` });
  return `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * Caps the connections one client address (an IPv6 /64) may hold open on
 * `server`: the one over `max` is answered 429 at once, without reading
 * its request, and closed; a line is logged (at most once a second per
 * address). Counted at accept time, so a flood of idle connections cannot
 * hold more than `max` sockets or their memory.
 * @returns `server`.
 */
export function capConnectionsPerClient<S extends Server>(server: S, max: number, logger: Logger): S {
  const open = new Map<string, number>();
  const lastLogged = new Map<string, number>();
  // Before the HTTP server's own listener, which would start reading a request from it.
  server.prependListener('connection', (socket: Socket) => {
    const client = clientKey(socket.remoteAddress);
    const count = (open.get(client) ?? 0) + 1;
    if (count > max) {
      const now = performance.now();
      if (now - (lastLogged.get(client) ?? -Infinity) >= 1000) {
        lastLogged.set(client, now);
        logger.warn({ ip: socket.remoteAddress, max }, 'connection refused: too many open from this address');
      }
      socket.on('error', () => undefined);
      socket.end(refusal(max));
      socket.destroySoon?.();
      return;
    }
    open.set(client, count);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left === 0) {
        open.delete(client);
        lastLogged.delete(client);
      } else {
        open.set(client, left);
      }
    });
  });
  return server;
}
