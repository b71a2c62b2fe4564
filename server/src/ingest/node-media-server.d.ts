// Types for the parts of node-media-server 4.4 (plain JavaScript) that the
// RTMP ingest uses: its RTMP protocol session and its logger. Written from
// node_modules/node-media-server/src/session/rtmp_session.js,
// protocol/rtmp.js, server/broadcast_server.js and core/logger.js.

declare module 'node-media-server/src/session/rtmp_session.js' {
  import type { Socket } from 'node:net';

  /** What `connect` + `publish`/`play` asked for. */
  export interface RtmpRequest {
    app: string;
    name: string;
    host: string;
    query: Record<string, string | string[] | undefined>;
  }

  /** The RTMP protocol state machine of one connection. */
  export interface Rtmp {
    onConnectCallback: (request: RtmpRequest) => void;
    onPushCallback: () => void;
    onPlayCallback: () => void;
    /** Sends `NetStream.Publish.Start`. */
    respondPublish(): void;
    sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
    streamId: number;
  }

  /** The stream a publisher feeds and players follow. */
  export interface BroadcastServer {
    /** How long a disconnected publisher's slot is kept for it to resume, ms. */
    publishGraceMs: number;
  }

  /** One RTMP connection (publisher or player). */
  export default class RtmpSession {
    constructor(socket: Socket);
    readonly id: string;
    readonly ip: string;
    readonly socket: Socket;
    readonly rtmp: Rtmp;
    broadcast: BroadcastServer;
    isPublisher: boolean;
    inBytes: number;
    streamPath: string;
    run: () => void;
    onData: (data: Buffer) => void;
    onConnect: (request: RtmpRequest) => void;
    onPush: () => void;
    onPlay: () => void;
  }
}

declare module 'node-media-server/src/core/logger.js' {
  /** The library's console logger (a singleton). */
  interface NmsLogger {
    log(message: string, level?: 'trace' | 'debug' | 'info' | 'warn' | 'error'): void;
  }
  const logger: NmsLogger;
  export default logger;
}
