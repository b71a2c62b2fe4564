import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import nmsLogger from 'node-media-server/src/core/logger.js';
import RtmpSession, { type RtmpRequest } from 'node-media-server/src/session/rtmp_session.js';
import { keysMatch } from '../auth/stream-keys.js';
import { STREAM_NAME_PATTERN } from '../origin/names.js';

/** The RTMP application every publish and play URL names: `rtmp://HOST:PORT/live/...`. */
export const RTMP_APP = 'live';

/** Where an RTMP publish or play asked to go, as {@link parseRtmpPath} reads it. */
export interface RtmpPath {
  stream: string;
  /** The stream key: the last path element after the stream name, else the `key` query parameter. */
  key: string | undefined;
  /** The internal play token (`token` query parameter). */
  token: string | undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === '' ? undefined : first;
}

/**
 * Reads the stream name and key from an RTMP `connect` app and
 * `publish`/`play` name, in every form encoders send them:
 *
 * - app `live`, name `mystream?key=KEY` (OBS: Server `rtmp://HOST/live`,
 *   Stream Key `mystream?key=KEY`);
 * - app `live`, name `mystream/KEY` (Stream Key `mystream/KEY`, or ffmpeg
 *   publishing to `rtmp://HOST/live/mystream/KEY`: ffmpeg takes the first
 *   path element as the app);
 * - app `live/mystream`, name `KEY` (OBS: Server `rtmp://HOST/live/mystream`,
 *   Stream Key `KEY`: OBS sends the whole server path as the app);
 * - app `live`, name `mystream` (no key).
 *
 * (node-media-server has already split the name's `?` query into `query`.)
 * @returns the path, or a problem phrased for the log.
 */
export function parseRtmpPath(request: Pick<RtmpRequest, 'app' | 'name' | 'query'>): RtmpPath | { problem: string } {
  const [app = '', appQuery] = request.app.split('?', 2);
  const query = new URLSearchParams(appQuery ?? '');
  const parts = [...app.split('/'), ...request.name.split('/')].filter((part) => part !== '');
  const describe = `app ${JSON.stringify(request.app)}, name ${JSON.stringify(request.name)}`;
  if (parts[0] !== RTMP_APP) return { problem: `RTMP path must start with /${RTMP_APP}/ (${describe})` };
  if (parts.length < 2 || parts.length > 3) {
    return { problem: `RTMP path must be /${RTMP_APP}/{stream} or /${RTMP_APP}/{stream}/{key} (${describe})` };
  }
  const stream = parts[1]!;
  if (!STREAM_NAME_PATTERN.test(stream)) {
    return { problem: `stream name ${JSON.stringify(stream.slice(0, 80))} must be 1 to 64 characters of A-Z a-z 0-9 _ -` };
  }
  return {
    stream,
    key: parts[2] ?? firstValue(request.query.key) ?? query.get('key') ?? undefined,
    token: firstValue(request.query.token) ?? query.get('token') ?? undefined,
  };
}

/** A publish attempt, before anything is accepted. */
export interface RtmpPublishRequest {
  stream: string;
  key: string | undefined;
  /** Remote `address:port`. */
  ip: string;
}

/** Whether a publish may go ahead. */
export type PublishDecision = { accept: true } | { accept: false; reason: string; code: 'unknown-stream' | 'missing-key' | 'wrong-key' | 'busy' };

/** An accepted, connected RTMP publisher. */
export interface RtmpPublisher {
  /** node-media-server's session id. */
  readonly id: string;
  readonly stream: string;
  /** Remote `address:port`. */
  readonly ip: string;
  /** Bytes received from it so far. */
  readonly inBytes: number;
  /** Ends the connection (the publisher sees it drop). */
  disconnect(): void;
}

/** Options of {@link RtmpIngest}. */
export interface RtmpIngestOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to bind. @defaultValue `'0.0.0.0'` */
  host?: string;
  logger: Logger;
  /**
   * The token the origin's own ffmpeg presents to play a stream
   * (`?token=`); every other play is refused.
   */
  internalToken: string;
  /**
   * Decides a publish before it is acknowledged: no byte of media is used
   * before that (the key check may take a few tens of ms: scrypt, off the
   * event loop).
   */
  authorize(request: RtmpPublishRequest): PublishDecision | Promise<PublishDecision>;
  /** An accepted publisher started. */
  onPublish(publisher: RtmpPublisher): void;
  /** An accepted publisher's connection ended. */
  onUnpublish(publisher: RtmpPublisher): void;
  /**
   * Idle time after which a connection is dropped, ms (a publisher that
   * stopped sending, or a client that never completes a handshake).
   * @defaultValue 30 000 ms
   */
  idleTimeout?: number;
}

/**
 * node-media-server writes to the console; its lines go to the logger of
 * the RTMP server started last instead, at debug (its errors, e.g. a
 * malformed connection, at warn).
 */
const nmsLogSinks: Logger[] = [];
nmsLogger.log = (message, level = 'info') => {
  const sink = nmsLogSinks.at(-1);
  if (sink === undefined) return;
  if (level === 'error' || level === 'warn') sink.warn({ component: 'node-media-server' }, message);
  else sink.debug({ component: 'node-media-server' }, message);
};

let instances = 0;

/**
 * RTMP publish endpoint on node-media-server 4's protocol code (handshake,
 * chunking, AMF, FLV packets, fan-out to players), under our own TCP server
 * so that:
 *
 * - the stream key is checked before `NetStream.Publish.Start` is sent and
 *   before the publisher is attached to anything: a refused publisher gets
 *   `NetStream.Publish.Unauthorized`/`BadName` and the connection closes;
 * - only the origin's own ffmpeg may play (it pulls
 *   {@link RtmpIngest.playUrl}, with the internal token);
 * - a disconnect frees the stream at once (node-media-server would keep the
 *   slot 30 s for the same client to resume);
 * - a malformed connection is dropped and logged, never a crash, and a bind
 *   error is an exception, not `process.exit`.
 *
 * node-media-server's own servers (HTTP-FLV, web admin, recording, relay,
 * JSON store) are not used.
 */
export class RtmpIngest {
  #options: RtmpIngestOptions;
  #server: net.Server;
  #sockets = new Set<Socket>();
  #paths = new WeakMap<RtmpSession, RtmpPath | { problem: string }>();
  /** node-media-server keeps streams in a process-wide map by `/app/name`: a per-instance app keeps two origins in one process apart. */
  #internalApp = `llstream_${(instances += 1)}`;
  #logger: Logger;
  #port: number | undefined;

  constructor(options: RtmpIngestOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'rtmp' });
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  /** The bound port; undefined before {@link RtmpIngest.listen}. */
  get port(): number | undefined {
    return this.#port;
  }

  /** Binds. @returns the port. @throws the listen error (e.g. EADDRINUSE). */
  async listen(): Promise<number> {
    this.#server.listen(this.#options.port, this.#options.host ?? '0.0.0.0');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
    nmsLogSinks.push(this.#logger);
    this.#logger.info({ port: this.#port }, 'RTMP ingest listening');
    return this.#port;
  }

  /** The URL the origin's own ffmpeg plays `stream` from (loopback, internal token). */
  playUrl(stream: string): string {
    return `rtmp://127.0.0.1:${this.#port}/${RTMP_APP}/${stream}?token=${this.#options.internalToken}`;
  }

  /** Stops listening and drops every connection. Idempotent. */
  async close(): Promise<void> {
    const index = nmsLogSinks.indexOf(this.#logger);
    if (index !== -1) nmsLogSinks.splice(index, 1);
    for (const socket of this.#sockets) socket.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setTimeout(this.#options.idleTimeout ?? 30_000, () => {
      this.#logger.info({ ip: `${socket.remoteAddress}:${socket.remotePort}` }, 'RTMP connection idle; dropped');
      socket.destroy();
    });
    socket.on('close', () => this.#sockets.delete(socket));
    const session = new RtmpSession(socket);
    const parse = session.onData;
    // Garbage can make the protocol code throw inside a socket event: drop
    // that connection instead of the process.
    session.onData = (data) => {
      try {
        parse(data);
      } catch (error) {
        this.#logger.warn({ ip: session.ip, err: error }, 'malformed RTMP data; connection dropped');
        socket.destroy();
      }
    };
    session.run();
    const { rtmp } = session;
    const acknowledgePublish = rtmp.respondPublish.bind(rtmp);
    // Publish.Start is sent once the key has been checked, not before.
    rtmp.respondPublish = () => undefined;
    rtmp.onConnectCallback = (request) => this.#paths.set(session, parseRtmpPath(request));
    rtmp.onPushCallback = () => {
      this.#publish(session, acknowledgePublish).catch((error: unknown) => {
        this.#logger.error({ ip: session.ip, err: error }, 'RTMP publish failed');
        socket.destroy();
      });
    };
    rtmp.onPlayCallback = () => this.#play(session);
  }

  #refuse(session: RtmpSession, code: string, description: string): void {
    session.rtmp.sendStatusMessage(session.rtmp.streamId, 'error', code, description);
    session.socket.end();
  }

  async #publish(session: RtmpSession, acknowledge: () => void): Promise<void> {
    const path = this.#paths.get(session);
    if (path === undefined || 'problem' in path) {
      const problem = path?.problem ?? 'publish without connect';
      this.#logger.warn({ ip: session.ip, reason: problem }, 'RTMP publish refused');
      this.#refuse(session, 'NetStream.Publish.BadName', problem);
      return;
    }
    const { stream, key } = path;
    const decision = await this.#options.authorize({ stream, key, ip: session.ip });
    // The publisher may have given up while its key was checked.
    if (session.socket.destroyed) return;
    if (!decision.accept) {
      this.#logger.warn({ stream, ip: session.ip, reason: decision.reason }, 'RTMP publish refused');
      const code = decision.code === 'missing-key' || decision.code === 'wrong-key' ? 'NetStream.Publish.Unauthorized' : 'NetStream.Publish.BadName';
      this.#refuse(session, code, decision.reason);
      return;
    }
    session.onConnect({ app: this.#internalApp, name: stream, host: '', query: {} });
    // A new publish is a new session: no 30 s slot kept for the old client.
    session.broadcast.publishGraceMs = 0;
    acknowledge();
    session.onPush();
    if (!session.isPublisher) return; // node-media-server refused it (already published) and closed it.
    const publisher: RtmpPublisher = {
      id: session.id,
      stream,
      ip: session.ip,
      get inBytes() {
        return session.inBytes;
      },
      disconnect: () => session.socket.destroy(),
    };
    this.#logger.info({ stream, ip: session.ip, session: session.id }, 'RTMP publish started');
    session.socket.once('close', () => {
      this.#logger.info({ stream, ip: session.ip, session: session.id, bytes: session.inBytes }, 'RTMP publish ended');
      this.#options.onUnpublish(publisher);
    });
    this.#options.onPublish(publisher);
  }

  #play(session: RtmpSession): void {
    const path = this.#paths.get(session);
    if (path === undefined || 'problem' in path || path.token === undefined || !keysMatch(path.token, this.#options.internalToken)) {
      this.#logger.warn({ ip: session.ip, reason: path !== undefined && 'problem' in path ? path.problem : 'no internal token' }, 'RTMP play refused');
      this.#refuse(session, 'NetStream.Play.Failed', 'playing over RTMP is not offered; play the DASH stream');
      return;
    }
    session.onConnect({ app: this.#internalApp, name: path.stream, host: '', query: {} });
    session.onPlay();
  }
}
