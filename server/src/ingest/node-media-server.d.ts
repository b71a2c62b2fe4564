// Types for the parts of node-media-server 4.4 (plain JavaScript) that the
// RTMP ingest uses: its RTMP protocol session and its logger, and the RTMP
// client the tests publish with. Written from
// node_modules/node-media-server/src/session/rtmp_session.js,
// protocol/rtmp.js, protocol/rtmp_client.js, server/broadcast_server.js,
// core/avpacket.js and core/logger.js.

declare module 'node-media-server/src/session/rtmp_session.js' {
  import type { Socket } from 'node:net';

  /** What `connect` + `publish`/`play` asked for. */
  export interface RtmpRequest {
    app: string;
    name: string;
    host: string;
    query: Record<string, string | string[] | undefined>;
  }

  /** One parsed audio, video or data message (core/avpacket.js). */
  export interface AVPacket {
    codec_id: number;
    /** RTMP message type = FLV tag type: 8 audio, 9 video, 18 AMF0 data, 15 AMF3 data. */
    codec_type: number;
    /** 0 audio config, 1 audio frame, 2 video config, 3 key frame, 4 other video, 5 metadata. */
    flags: number;
    /** Milliseconds. */
    pts: number;
    /** Milliseconds: the message's clock. */
    dts: number;
    /** Message length, bytes. */
    size: number;
    /** The parser's reassembly buffer (at least `size` bytes, reused for the next message). */
    data: Buffer;
  }

  /** A chunk stream's message being reassembled (protocol/rtmp.js RtmpPacket). */
  export interface RtmpPacket {
    header: { fmt: number; cid: number; timestamp: number; length: number; type: number; stream_id: number };
    /** Message timestamp, ms, summed from deltas. */
    clock: number;
    payload: Buffer;
    /** Bytes allocated for the payload. */
    capacity: number;
    /** Bytes of the message received so far. */
    bytes: number;
  }

  /** The RTMP protocol state machine of one connection. */
  export interface Rtmp {
    onConnectCallback: (request: RtmpRequest) => void;
    onPushCallback: () => void;
    onPlayCallback: () => void;
    onPacketCallback: (packet: AVPacket) => void;
    /** Sends `NetStream.Publish.Start`. */
    respondPublish(): void;
    /** Sends `StreamBegin`, `NetStream.Play.Reset` and `NetStream.Play.Start`. */
    respondPlay(): void;
    sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
    streamId: number;
    /** The message whose chunk is being parsed. */
    parserPacket: RtmpPacket;
    /** Messages by chunk stream id. */
    inPackets: Map<number, RtmpPacket>;
    inChunkSize: number;
    /** Reads a chunk header into `parserPacket` (taken from `inPackets`, or a new one). */
    packetParse(): void;
    /** Makes `parserPacket.payload` hold `header.length` bytes when a message starts. */
    packetAlloc(): void;
    /** Handles a protocol control message (SET_CHUNK_SIZE, ...). */
    controlHandler(): void;
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
    /** Where parsed media goes; run() hands it to the parser. */
    onPacket: (packet: AVPacket) => void;
  }
}

declare module 'node-media-server/src/protocol/rtmp_client.js' {
  import type { Socket } from 'node:net';
  import type { AVPacket } from 'node-media-server/src/session/rtmp_session.js';

  /** An RTMP client connection (the tests' publisher). */
  export default class RtmpClient {
    socket: Socket | null;
    streamId: number;
    onStatusCallback: (code: string, info: { code?: string; description?: string }) => void;
    onCloseCallback: (hadError: boolean) => void;
    onErrorCallback: (error: Error) => void;
    /** TCP connect and handshake. */
    connect(url: string): Promise<void>;
    sendConnect(): Promise<unknown>;
    sendCreateStream(): Promise<number>;
    /** Resolves on `NetStream.Publish.Start`, rejects on a status with Failed, BadName, Rejected or Error. */
    sendPublish(streamName: string): Promise<unknown>;
    /** Resolves on `NetStream.Play.Start`, rejects like sendPublish. */
    sendPlay(streamName: string): Promise<unknown>;
    /** One message, fmt 0 on chunk stream 4 (audio), 5 (video) or 6 (data). */
    sendPacket(packet: Pick<AVPacket, 'codec_type' | 'dts' | 'size' | 'data'>): void;
    disconnect(): void;
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
