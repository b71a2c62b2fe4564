import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import nmsLogger from 'node-media-server/src/core/logger.js';
import RtmpSession, { type RtmpRequest } from 'node-media-server/src/session/rtmp_session.js';
import { STREAM_NAME_PATTERN } from '../origin/names.js';
import { FlvFeed } from './flv-feed.js';

/** The RTMP application every publish URL names: `rtmp://HOST:PORT/live/...`. */
export const RTMP_APP = 'live';

/** Where an RTMP publish asked to go, as {@link parseRtmpPath} reads it. */
export interface RtmpPath {
  stream: string;
  /** The stream key: the last path element after the stream name, else the `key` query parameter. */
  key: string | undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === '' ? undefined : first;
}

/**
 * Reads the stream name and key from an RTMP `connect` app and
 * `publish` name, in every form encoders send them:
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

/**
 * What a publisher refused for an unknown stream, a missing key or a wrong
 * key is told, the same for all three so that stream names cannot be
 * probed (the log line keeps the real reason).
 */
export const RTMP_PUBLISH_REFUSED = Object.freeze({
  code: 'NetStream.Publish.Unauthorized',
  description: 'publish refused: unknown stream or wrong stream key',
});

/** An accepted, connected RTMP publisher. */
export interface RtmpPublisher {
  /** node-media-server's session id. */
  readonly id: string;
  readonly stream: string;
  /** Remote `address:port`. */
  readonly ip: string;
  /** Bytes received from it so far. */
  readonly inBytes: number;
  /** Its publish as FLV, for a transcoder's stdin; ended when the connection ends. */
  readonly feed: FlvFeed;
  /** Ends the connection (the publisher sees it drop). */
  disconnect(): void;
}

/**
 * Bounds on RTMP connections, so that neither a client without a stream
 * key nor a publisher can make the origin hold more than a known amount of
 * memory (issue 13). A connection over a bound is closed and logged at
 * warn with its address and the bound's name.
 *
 * Before its publish is accepted (the stream key checked), a connection
 * may also send no message over {@link RTMP_PRE_PUBLISH.maxMessageBytes}
 * and use no more than {@link RTMP_PRE_PUBLISH.maxChunkStreams} chunk
 * streams. Whatever the state, `SET_CHUNK_SIZE` must be 1 to 16 777 215.
 */
export interface RtmpLimits {
  /**
   * Bytes a connection may send before its publish is accepted, bytes.
   * The handshake is 3073 bytes (C0, C1, C2) and ffmpeg's or OBS's
   * connect, createStream and publish commands about 1 KiB.
   * @defaultValue 65 536 (64 KiB)
   */
  maxPrePublishBytes?: number;
  /** Time from connecting to an accepted publish, seconds. @defaultValue 10 s */
  publishTimeout?: number;
  /** Longest message of an accepted publisher, bytes (a 4K key frame is a few MB). @defaultValue 8 MiB */
  maxMessageBytes?: number;
  /** Chunk streams an accepted publisher may use (ffmpeg and OBS use a handful). @defaultValue 32 */
  maxChunkStreams?: number;
  /**
   * Message reassembly buffers of all connections together, bytes. A
   * connection whose next buffer would go past it is closed; nothing is
   * allocated past it.
   * @defaultValue 256 MiB
   */
  maxTotalBufferBytes?: number;
  /** Connections whose publish is not accepted yet, in all. @defaultValue 64 */
  maxPendingConnections?: number;
  /** Connections whose publish is not accepted yet, per remote address. @defaultValue 8 */
  maxPendingPerClient?: number;
}

/** The {@link RtmpLimits} that apply when none are given. */
export const DEFAULT_RTMP_LIMITS: Readonly<Required<RtmpLimits>> = Object.freeze({
  maxPrePublishBytes: 64 * 1024,
  publishTimeout: 10,
  maxMessageBytes: 8 * 1024 * 1024,
  maxChunkStreams: 32,
  maxTotalBufferBytes: 256 * 1024 * 1024,
  maxPendingConnections: 64,
  maxPendingPerClient: 8,
});

/**
 * Fixed bounds before a publish is accepted: a `connect` or `publish`
 * command is a few hundred bytes and comes on 2 or 3 chunk streams.
 */
export const RTMP_PRE_PUBLISH = Object.freeze({
  /** Longest message, bytes. */
  maxMessageBytes: 16 * 1024,
  /** Chunk streams. */
  maxChunkStreams: 8,
});

/** Largest `SET_CHUNK_SIZE` taken: no chunk is longer than a message, whose length field has 24 bits. */
const MAX_CHUNK_SIZE = 0xffffff;

/** Over-limit log lines per second; the rest are counted into the next line (a connection flood must not flood the log). */
const MAX_OVER_LINES_PER_SECOND = 10;

/** Counters of an {@link RtmpIngest}, for tests and metrics. */
export interface RtmpIngestStats {
  /** Open connections. */
  connections: number;
  /** Of those, the ones whose publish is not accepted yet. */
  pending: number;
  /** Capacity of the message reassembly buffers of all connections, bytes. */
  bufferBytes: number;
}

/** Options of {@link RtmpIngest}. */
export interface RtmpIngestOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to bind. @defaultValue `'0.0.0.0'` */
  host?: string | undefined;
  logger: Logger;
  /** Memory and time bounds; each missing field takes its {@link DEFAULT_RTMP_LIMITS} value. */
  limits?: RtmpLimits | undefined;
  /**
   * Decides a publish before it is acknowledged: no byte of media is used
   * before that (the key check may take a few tens of ms: scrypt, off the
   * event loop).
   */
  authorize(request: RtmpPublishRequest): PublishDecision | Promise<PublishDecision>;
  /** An accepted publisher started. */
  onPublish(publisher: RtmpPublisher): void;
  /** An accepted publisher's connection ended (its feed ends right after). */
  onUnpublish(publisher: RtmpPublisher): void;
  /**
   * Idle time after which a connection is dropped, ms (a publisher that
   * stopped sending).
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

/** A connection went past one of the {@link RtmpLimits}. */
class LimitExceeded extends Error {
  constructor(
    readonly bound: string,
    readonly limit: number,
    readonly value?: number,
  ) {
    super(`${bound} exceeded${value === undefined ? '' : `: ${value} > ${limit}`}`);
  }
}

/** One RTMP connection as the ingest tracks it. */
interface Connection {
  readonly socket: Socket;
  readonly session: RtmpSession;
  /** Remote address, without the port: what the per-client bound counts. */
  readonly address: string;
  /** Counted among the pending connections (publish not accepted yet). */
  pending: boolean;
  /** A publish command was taken (being authorized, or accepted). */
  publishing: boolean;
  accepted: boolean;
  /** Bytes received before the publish was accepted. */
  prePublishBytes: number;
  /** Capacity of this connection's reassembly buffers, bytes. */
  buffered: number;
  feed: FlvFeed | undefined;
  publishTimer: NodeJS.Timeout | undefined;
}

function checkLimits(limits: Required<RtmpLimits>): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`RTMP limit ${name} must be a positive number (got ${value})`);
  }
}

/**
 * RTMP publish endpoint on node-media-server 4's protocol code (handshake,
 * chunking, AMF, message parsing), under our own TCP server so that:
 *
 * - the stream key is checked before `NetStream.Publish.Start` is sent and
 *   before any media is used: a refused publisher gets
 *   {@link RTMP_PUBLISH_REFUSED} (or `BadName` for a malformed path, or a
 *   busy stream) and the connection closes;
 * - memory and time are bounded before and after that ({@link RtmpLimits});
 * - the publish reaches the transcoder as FLV on its stdin
 *   ({@link RtmpPublisher.feed}); nothing can play over RTMP (every play
 *   gets `NetStream.Play.Failed`), and node-media-server's stream registry
 *   and GOP cache are not used;
 * - a disconnect frees the stream at once;
 * - a malformed connection is dropped and logged, never a crash, and a bind
 *   error is an exception, not `process.exit`.
 *
 * node-media-server's own servers (HTTP-FLV, web admin, recording, relay,
 * JSON store) are not used.
 */
export class RtmpIngest {
  #options: RtmpIngestOptions;
  #limits: Required<RtmpLimits>;
  #server: net.Server;
  #connections = new Set<Connection>();
  #paths = new WeakMap<RtmpSession, RtmpPath | { problem: string }>();
  #pending = 0;
  #pendingByAddress = new Map<string, number>();
  #bufferBytes = 0;
  #overLines = { second: 0, count: 0, suppressed: 0 };
  #logger: Logger;
  #port: number | undefined;

  /** @throws RangeError if a limit is not a positive number. */
  constructor(options: RtmpIngestOptions) {
    this.#options = options;
    const given = Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, value]) => value !== undefined));
    this.#limits = { ...DEFAULT_RTMP_LIMITS, ...given };
    checkLimits(this.#limits);
    this.#logger = options.logger.child({ component: 'rtmp' });
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  /** The bound port; undefined before {@link RtmpIngest.listen}. */
  get port(): number | undefined {
    return this.#port;
  }

  /** Connection counters and reassembly buffer bytes, now. */
  stats(): RtmpIngestStats {
    return { connections: this.#connections.size, pending: this.#pending, bufferBytes: this.#bufferBytes };
  }

  /** Binds `host:port`. @returns the port. @throws the listen error (e.g. EADDRINUSE). */
  async listen(): Promise<number> {
    const host = this.#options.host ?? '0.0.0.0';
    this.#server.listen(this.#options.port, host);
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
    nmsLogSinks.push(this.#logger);
    this.#logger.info({ host, port: this.#port }, 'RTMP ingest listening');
    return this.#port;
  }

  /** Stops listening and drops every connection. Idempotent. */
  async close(): Promise<void> {
    const index = nmsLogSinks.indexOf(this.#logger);
    if (index !== -1) nmsLogSinks.splice(index, 1);
    for (const connection of this.#connections) connection.socket.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    const limits = this.#limits;
    const address = socket.remoteAddress ?? 'unknown';
    const ip = `${address}:${socket.remotePort}`;
    const fromClient = this.#pendingByAddress.get(address) ?? 0;
    if (this.#pending >= limits.maxPendingConnections || fromClient >= limits.maxPendingPerClient) {
      const [bound, limit] =
        this.#pending >= limits.maxPendingConnections
          ? ['maxPendingConnections', limits.maxPendingConnections]
          : ['maxPendingPerClient', limits.maxPendingPerClient];
      this.#warnOver({ ip, bound, limit });
      socket.destroy();
      return;
    }
    const session = new RtmpSession(socket);
    const connection: Connection = {
      socket,
      session,
      address,
      pending: true,
      publishing: false,
      accepted: false,
      prePublishBytes: 0,
      buffered: 0,
      feed: undefined,
      publishTimer: undefined,
    };
    this.#connections.add(connection);
    this.#pending += 1;
    this.#pendingByAddress.set(address, fromClient + 1);
    connection.publishTimer = setTimeout(
      () => this.#over(connection, new LimitExceeded('publishTimeout', limits.publishTimeout)),
      limits.publishTimeout * 1000,
    );
    connection.publishTimer.unref();
    socket.setTimeout(this.#options.idleTimeout ?? 30_000, () => {
      this.#logger.info({ ip }, 'RTMP connection idle; dropped');
      socket.destroy();
    });
    socket.on('close', () => {
      this.#connections.delete(connection);
      this.#leavePending(connection);
      this.#bufferBytes -= connection.buffered;
      connection.buffered = 0;
    });

    const parse = session.onData;
    // Garbage, or a bound crossed, makes the protocol code throw inside a
    // socket event: drop that connection instead of the process.
    session.onData = (data) => {
      try {
        if (!connection.accepted) {
          connection.prePublishBytes += data.length;
          if (connection.prePublishBytes > limits.maxPrePublishBytes) {
            throw new LimitExceeded('maxPrePublishBytes', limits.maxPrePublishBytes, connection.prePublishBytes);
          }
        }
        parse(data);
      } catch (error) {
        if (error instanceof LimitExceeded) this.#over(connection, error);
        else {
          this.#logger.warn({ ip, err: error }, 'malformed RTMP data; connection dropped');
          socket.destroy();
        }
      }
    };
    // Set before run(), which hands it to the parser: media goes to the
    // feed (once accepted), never to node-media-server's broadcast and its
    // GOP cache. The payload buffer is the parser's, reused for the next
    // message: the feed copies it at once.
    session.onPacket = (packet) => {
      if (connection.feed === undefined) return;
      if (packet.size > packet.data.length) throw new Error('RTMP message longer than its buffer');
      connection.feed.push({ type: packet.codec_type, timestamp: packet.dts, data: packet.data.subarray(0, packet.size) });
    };
    session.run();
    this.#guard(connection);

    const { rtmp } = session;
    const acknowledgePublish = rtmp.respondPublish.bind(rtmp);
    // Publish.Start is sent once the key has been checked, not before; Play.Start never.
    rtmp.respondPublish = () => undefined;
    rtmp.respondPlay = () => undefined;
    rtmp.onConnectCallback = (request) => this.#paths.set(session, parseRtmpPath(request));
    rtmp.onPushCallback = () => {
      this.#publish(connection, acknowledgePublish).catch((error: unknown) => {
        this.#logger.error({ ip, err: error }, 'RTMP publish failed');
        socket.destroy();
      });
    };
    rtmp.onPlayCallback = () => this.#refusePlay(connection);
  }

  /**
   * Bounds the parser of one connection where it would allocate: a message
   * header announcing too long a message or a new chunk stream past the
   * bound throws before its buffer exists (packetParse runs on every chunk
   * header, packetAlloc when a message starts), and every buffer is counted
   * against {@link RtmpLimits.maxTotalBufferBytes}.
   */
  #guard(connection: Connection): void {
    const { rtmp } = connection.session;
    const limits = this.#limits;
    const parseHeader = rtmp.packetParse.bind(rtmp);
    const checkLength = (): void => {
      const { length } = rtmp.parserPacket.header;
      const [bound, limit] = connection.accepted
        ? ['maxMessageBytes', limits.maxMessageBytes]
        : ['prePublishMessageBytes', Math.min(RTMP_PRE_PUBLISH.maxMessageBytes, limits.maxMessageBytes)];
      if (length > limit) throw new LimitExceeded(bound, limit, length);
    };
    rtmp.packetParse = () => {
      parseHeader();
      const [bound, limit] = connection.accepted
        ? ['maxChunkStreams', limits.maxChunkStreams]
        : ['prePublishChunkStreams', Math.min(RTMP_PRE_PUBLISH.maxChunkStreams, limits.maxChunkStreams)];
      if (rtmp.inPackets.size > limit) throw new LimitExceeded(bound, limit, rtmp.inPackets.size);
      checkLength();
      // node-media-server takes a new length in the middle of a message without reallocating.
      const packet = rtmp.parserPacket;
      if (packet.bytes > 0 && packet.header.length > packet.capacity) throw new Error('RTMP message length changed in the middle of the message');
    };
    const alloc = rtmp.packetAlloc.bind(rtmp);
    rtmp.packetAlloc = () => {
      const packet = rtmp.parserPacket;
      // node-media-server drops every message whose clock, summed from
      // timestamp deltas, passes 2^32 ms, and would freeze the publish:
      // kept 32-bit, the wrap reaches the feed, which re-anchors it.
      packet.clock %= 2 ** 32;
      checkLength();
      if (packet.capacity >= packet.header.length) return;
      // What node-media-server allocates: the message plus 1 KiB.
      const growth = packet.header.length + 1024 - packet.capacity;
      if (this.#bufferBytes + growth > limits.maxTotalBufferBytes) {
        throw new LimitExceeded('maxTotalBufferBytes', limits.maxTotalBufferBytes, this.#bufferBytes + growth);
      }
      alloc();
      connection.buffered += growth;
      this.#bufferBytes += growth;
    };
    const control = rtmp.controlHandler.bind(rtmp);
    rtmp.controlHandler = () => {
      const packet = rtmp.parserPacket;
      if (packet.header.type === 1) {
        const size = packet.header.length >= 4 ? packet.payload.readUInt32BE(0) : 0;
        if (size < 1 || size > MAX_CHUNK_SIZE) throw new LimitExceeded('chunkSize', MAX_CHUNK_SIZE, size);
      }
      control();
    };
  }

  #over(connection: Connection, error: LimitExceeded): void {
    if (connection.socket.destroyed) return;
    const path = this.#paths.get(connection.session);
    const stream = path !== undefined && 'stream' in path ? path.stream : undefined;
    this.#warnOver({ ip: connection.session.ip, stream, bound: error.bound, limit: error.limit, value: error.value, accepted: connection.accepted });
    connection.socket.destroy();
  }

  #warnOver(record: Record<string, unknown>): void {
    const second = Math.floor(performance.now() / 1000);
    const lines = this.#overLines;
    if (second !== lines.second) {
      lines.second = second;
      lines.count = 0;
    }
    if (lines.count >= MAX_OVER_LINES_PER_SECOND) {
      lines.suppressed += 1;
      return;
    }
    lines.count += 1;
    const suppressed = lines.suppressed;
    lines.suppressed = 0;
    this.#logger.warn(suppressed === 0 ? record : { ...record, suppressed }, 'RTMP connection over a limit; closed');
  }

  #leavePending(connection: Connection): void {
    clearTimeout(connection.publishTimer);
    if (!connection.pending) return;
    connection.pending = false;
    this.#pending -= 1;
    const left = (this.#pendingByAddress.get(connection.address) ?? 1) - 1;
    if (left === 0) this.#pendingByAddress.delete(connection.address);
    else this.#pendingByAddress.set(connection.address, left);
  }

  #refuse(session: RtmpSession, code: string, description: string): void {
    session.rtmp.sendStatusMessage(session.rtmp.streamId, 'error', code, description);
    session.socket.end();
  }

  async #publish(connection: Connection, acknowledge: () => void): Promise<void> {
    const { session } = connection;
    // One publish per connection: a repeated command changes nothing.
    if (connection.publishing) return;
    connection.publishing = true;
    const path = this.#paths.get(session);
    if (path === undefined || 'problem' in path) {
      const problem = path?.problem ?? 'publish without connect';
      this.#logger.warn({ ip: session.ip, reason: problem }, 'RTMP publish refused');
      this.#refuse(session, 'NetStream.Publish.BadName', problem);
      return;
    }
    const { stream, key } = path;
    const decision = await this.#options.authorize({ stream, key, ip: session.ip });
    // The publisher may have given up (or been closed) while its key was checked.
    if (session.socket.destroyed) return;
    if (!decision.accept) {
      this.#logger.warn({ stream, ip: session.ip, reason: decision.reason }, 'RTMP publish refused');
      // Only a caller with the key gets as far as "busy": that one may know why.
      if (decision.code === 'busy') this.#refuse(session, 'NetStream.Publish.BadName', decision.reason);
      else this.#refuse(session, RTMP_PUBLISH_REFUSED.code, RTMP_PUBLISH_REFUSED.description);
      return;
    }
    connection.accepted = true;
    this.#leavePending(connection);
    // A publish whose timestamps stopped is dropped: the session ends with the problem as its reason.
    const feed = new FlvFeed({ stream, logger: this.#logger, onTimestampProblem: () => session.socket.destroy() });
    connection.feed = feed;
    acknowledge();
    const publisher: RtmpPublisher = {
      id: session.id,
      stream,
      ip: session.ip,
      feed,
      get inBytes() {
        return session.inBytes;
      },
      disconnect: () => session.socket.destroy(),
    };
    this.#logger.info({ stream, ip: session.ip, session: session.id }, 'RTMP publish started');
    session.socket.once('close', () => {
      this.#logger.info({ stream, ip: session.ip, session: session.id, bytes: session.inBytes, dropped: feed.dropped }, 'RTMP publish ended');
      this.#options.onUnpublish(publisher);
      feed.end();
    });
    this.#options.onPublish(publisher);
  }

  #refusePlay(connection: Connection): void {
    const { session } = connection;
    const path = this.#paths.get(session);
    const stream = path !== undefined && 'stream' in path ? path.stream : undefined;
    this.#logger.warn({ ip: session.ip, stream, reason: 'RTMP play is not offered' }, 'RTMP play refused');
    this.#refuse(session, 'NetStream.Play.Failed', 'playing over RTMP is not offered; play the DASH stream');
  }
}
