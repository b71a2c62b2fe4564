import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createOrigin, type Origin, type OriginOptions } from '../src/index.js';

/**
 * An origin on a free loopback port, without test source, silent, taking
 * HTTP publishes without a key (`openIngest`) unless `options` say otherwise.
 */
export async function startOrigin(options: OriginOptions = {}): Promise<Origin & { url: string }> {
  const origin = createOrigin({ port: 0, host: '127.0.0.1', testSource: false, logLevel: 'silent', openIngest: true, ...options });
  await origin.listen();
  return origin as Origin & { url: string };
}

/** A chunked upload in progress, the way ffmpeg publishes. */
export interface Upload {
  /** Sends one chunk and waits until it is flushed to the socket. */
  write(chunk: Buffer | string): Promise<void>;
  /** Ends the body and resolves with the response status. */
  end(): Promise<number>;
  /** Breaks the connection off mid-body. */
  breakOff(): void;
  /** The response, once the origin answered (it may answer before the body ends, e.g. 400). */
  readonly response: Promise<IncomingMessage>;
}

export function upload(url: string, method: 'PUT' | 'POST' | 'DELETE' = 'PUT', headers: http.OutgoingHttpHeaders = {}): Upload {
  const request = http.request(url, { method, headers: { 'transfer-encoding': 'chunked', ...headers } });
  request.on('error', () => {
    // Broken off on purpose, or answered early and closed by the origin.
  });
  request.flushHeaders();
  const response = once(request, 'response').then(([res]) => res as IncomingMessage);
  // A broken-off upload never gets a response; only tests that await it care.
  response.catch(() => undefined);
  return {
    write: (chunk) => new Promise<void>((resolve) => request.write(chunk, () => resolve())),
    async end() {
      request.end();
      const res = await response;
      res.resume();
      return res.statusCode ?? 0;
    },
    breakOff: () => request.destroy(),
    response,
  };
}

/** Uploads a whole body in one go. @returns the status. */
export async function put(url: string, body: Buffer | string, method: 'PUT' | 'POST' | 'DELETE' = 'PUT', headers: http.OutgoingHttpHeaders = {}): Promise<number> {
  const req = upload(url, method, headers);
  if (body.length > 0) await req.write(body);
  return req.end();
}

/** A GET (or HEAD) in progress, recording every chunk as it arrives. */
export interface Download {
  readonly response: Promise<IncomingMessage>;
  /** Chunks received so far with their arrival time (performance.now()). */
  readonly chunks: Array<{ data: Buffer; at: number }>;
  /** Resolves when the response ends or breaks off; `complete` tells which. */
  readonly done: Promise<{ complete: boolean; body: Buffer }>;
  /** The client goes away. */
  abort(): void;
}

export function download(url: string, options: { method?: 'GET' | 'HEAD'; headers?: http.OutgoingHttpHeaders } = {}): Download {
  const chunks: Array<{ data: Buffer; at: number }> = [];
  const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false });
  let settle!: (value: { complete: boolean; body: Buffer }) => void;
  const done = new Promise<{ complete: boolean; body: Buffer }>((resolve) => {
    settle = resolve;
  });
  const body = (): Buffer => Buffer.concat(chunks.map((c) => c.data));
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.on('response', (res) => {
      res.on('data', (data: Buffer) => chunks.push({ data, at: performance.now() }));
      res.on('end', () => settle({ complete: res.complete, body: body() }));
      res.on('error', () => settle({ complete: false, body: body() }));
      res.on('close', () => settle({ complete: res.complete, body: body() }));
      resolve(res);
    });
    request.on('error', (error) => {
      settle({ complete: false, body: body() });
      reject(error);
    });
  });
  response.catch(() => undefined);
  request.end();
  return { response, chunks, done, abort: () => request.destroy() };
}

/** GET as text. */
export async function getText(url: string, headers?: http.OutgoingHttpHeaders): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const d = download(url, headers === undefined ? {} : { headers });
  const res = await d.response;
  const { body } = await d.done;
  return { status: res.statusCode ?? 0, headers: res.headers, body: body.toString('utf8') };
}

/** A pino logger whose records land in `records`. */
export function captureLogger(level: pino.LevelWithSilent = 'debug'): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level }, sink), records };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A dynamic MPD as ffmpeg writes it: video representation `v` (and with
 * `audio`, audio `a`), `SegmentTemplate` numbers from 1 and the given segment
 * duration; with `lowLatency`, the video template carries ffmpeg's
 * `availabilityTimeOffset` and `availabilityTimeComplete="false"`.
 */
export function liveManifest({
  segmentSeconds = 1,
  timeShiftBufferDepth = 'PT5.0S',
  tag = 'run1',
  availabilityStartTime = new Date('2026-11-23T03:49:28.762Z'),
  audio = false,
  lowLatency = false,
}: {
  segmentSeconds?: number;
  timeShiftBufferDepth?: string;
  tag?: string;
  availabilityStartTime?: Date;
  audio?: boolean;
  lowLatency?: boolean;
} = {}): string {
  const template = (lowLatencyAttributes: string) =>
    `<SegmentTemplate timescale="1000" duration="${segmentSeconds * 1000}"${lowLatencyAttributes} initialization="init-${tag}-$RepresentationID$.m4s"
          media="seg-${tag}-$RepresentationID$-$Number%05d$.m4s" startNumber="1"/>`;
  const audioSet = `
    <AdaptationSet id="1" contentType="audio" segmentAlignment="true">
      <Representation id="a" mimeType="audio/mp4" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
        ${template('')}
      </Representation>
    </AdaptationSet>`;
  return `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="dynamic"
  availabilityStartTime="${availabilityStartTime.toISOString()}" timeShiftBufferDepth="${timeShiftBufferDepth}" minBufferTime="PT1.0S">
  <Period id="0" start="PT0.0S">
    <AdaptationSet id="0" contentType="video" segmentAlignment="true">
      <Representation id="v" mimeType="video/mp4" codecs="avc1.64001f" bandwidth="2500000" width="1280" height="720">
        ${template(lowLatency ? ' availabilityTimeOffset="0.967" availabilityTimeComplete="false"' : '')}
      </Representation>
    </AdaptationSet>${audio ? audioSet : ''}
  </Period>
  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-xsdate:2014" value="http://127.0.0.1:1/time"/>
</MPD>
`;
}

export const segmentName = (number: number, tag = 'run1', representation = 'v'): string =>
  `seg-${tag}-${representation}-${String(number).padStart(5, '0')}.m4s`;

/** One TS packet carrying the start of a PES packet of `streamId` with `pts` (90 kHz). */
export function pesPacket(streamId: number, pts: number): Buffer {
  const packet = Buffer.alloc(188, 0xff);
  packet[0] = 0x47;
  packet[1] = 0x40 | 0x01; // payload unit start, PID 0x100
  packet[2] = 0x00;
  packet[3] = 0x10; // payload only
  const pes = [0, 0, 1, streamId, 0, 0, 0x80, 0x80, 5];
  pes.forEach((byte, i) => (packet[4 + i] = byte));
  const p = 13;
  packet[p] = 0x21 | ((Math.floor(pts / 2 ** 30) & 0x07) << 1);
  packet[p + 1] = (pts >>> 22) & 0xff;
  packet[p + 2] = (((pts >>> 15) & 0x7f) << 1) | 1;
  packet[p + 3] = (pts >>> 7) & 0xff;
  packet[p + 4] = ((pts & 0x7f) << 1) | 1;
  return packet;
}
