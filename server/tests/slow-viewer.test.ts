import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Origin } from '../src/index.js';
import { segmentName, sleep, startOrigin, upload } from './helpers.js';

/** A segment GET on its own connection that records when each byte offset arrived. */
interface Viewer {
  res: IncomingMessage;
  /** Cumulative byte count after each data event, and its arrival time (performance.now()). */
  ends: number[];
  times: number[];
  received(): number;
  done: Promise<{ complete: boolean; bytes: number }>;
  /** The client socket's local port: the origin's socket for this viewer has it as remote port. */
  localPort: number;
}

async function view(url: string): Promise<Viewer> {
  const request = http.get(url, { agent: false });
  const [res] = (await new Promise<[IncomingMessage]>((resolve, reject) => {
    request.on('response', (r) => resolve([r]));
    request.on('error', reject);
  })) as [IncomingMessage];
  const ends: number[] = [];
  const times: number[] = [];
  let bytes = 0;
  res.on('data', (data: Buffer) => {
    bytes += data.length;
    ends.push(bytes);
    times.push(performance.now());
  });
  const done = new Promise<{ complete: boolean; bytes: number }>((resolve) => {
    res.on('end', () => resolve({ complete: res.complete, bytes }));
    res.on('close', () => resolve({ complete: res.complete, bytes }));
    res.on('error', () => resolve({ complete: false, bytes }));
  });
  return { res, ends, times, received: () => bytes, done, localPort: res.socket.localPort! };
}

/** When `viewer` had received `end` bytes, or undefined. */
function arrival(viewer: Viewer, end: number): number | undefined {
  const index = viewer.ends.findIndex((e) => e >= end);
  return index < 0 ? undefined : viewer.times[index];
}

describe('slow viewer (a client that stops reading a streaming segment)', () => {
  let origin: Origin & { url: string };
  /** The origin's side of every connection, by the client's port. */
  const serverSockets = new Map<number, Socket>();
  afterEach(async () => {
    serverSockets.clear();
    await origin.close();
  });

  /** An origin whose viewers may take nothing for `readerStallTimeout` seconds. */
  async function start(readerStallTimeout?: number): Promise<void> {
    origin = await startOrigin(readerStallTimeout === undefined ? {} : { limits: { readerStallTimeout } });
    origin.app.server.on('connection', (socket: Socket) => serverSockets.set(socket.remotePort!, socket));
  }

  const PIECE = 64 * 1024;
  const piece = (index: number): Buffer => Buffer.alloc(PIECE, index % 251);

  it('does not delay the other viewers, and the origin queues at most its high-water marks for it', async () => {
    await start();
    const up = upload(`${origin.url}/ingest/s/${segmentName(1)}`);
    await up.write(piece(0));
    const url = `${origin.url}/live/s/${segmentName(1)}`;
    const stalled = await view(url);
    // Stop reading: the response stream and then the socket stop taking data,
    // the kernel buffers fill, then the origin's.
    stalled.res.pause();
    const others = await Promise.all([view(url), view(url), view(url)]);

    // 24 MiB, several times what loopback's socket buffers hold (send up to
    // 4 MiB, receive 128 KiB by default), paced like a fast publisher.
    const pieces = 384;
    const sentAt: number[] = [];
    let maxQueued = 0;
    const originSide = (): Socket => serverSockets.get(stalled.localPort)!;
    for (let index = 1; index < pieces; index++) {
      await up.write(piece(index));
      sentAt.push(performance.now());
      maxQueued = Math.max(maxQueued, originSide().writableLength);
      if (index % 8 === 0) await sleep(1);
    }
    expect(await up.end()).toBe(204);
    for (const other of others) expect(await other.done).toEqual({ complete: true, bytes: pieces * PIECE });

    // Each piece reached every reading viewer promptly, stalled viewer or not.
    const delays = sentAt.flatMap((at, index) => others.map((other) => arrival(other, (index + 2) * PIECE)! - at));
    delays.sort((a, b) => a - b);
    expect(delays.at(-1)!).toBeLessThan(500);
    expect(delays[Math.floor(delays.length / 2)]!).toBeLessThan(100);

    // The stalled viewer got what fits in the kernel's buffers, no more...
    expect(stalled.received()).toBeLessThan(8 * 1024 * 1024);
    // ...and the origin's own send queue for it filled up to, never beyond,
    // the socket's high-water mark plus one chunk and its chunked-encoding
    // framing. (Writing without backpressure would have queued all of the
    // ~20 MiB that did not fit.)
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(originSide().writableHighWaterMark + PIECE + 16);

    // Once it reads again it gets the whole segment.
    stalled.res.resume();
    expect(await stalled.done).toEqual({ complete: true, bytes: pieces * PIECE });
  });

  it('cuts a viewer off once it has taken nothing for readerStallTimeout, keeps one that reads slowly', async () => {
    await start(1);
    const up = upload(`${origin.url}/ingest/s/${segmentName(1)}`);
    await up.write(piece(0));
    const url = `${origin.url}/live/s/${segmentName(1)}`;
    const stalled = await view(url);
    stalled.res.pause();
    const slow = await view(url);
    slow.res.pause();
    const reading = await view(url);
    const liveReaders = (): number => origin.store.stats().reduce((sum, s) => sum + s.liveReaders, 0);
    await vi.waitFor(() => expect(liveReaders()).toBe(3));

    // 12 MiB at once: both paused viewers' buffers fill up.
    for (let index = 1; index < 192; index++) await up.write(piece(index));
    const filledAt = performance.now();
    // The slow viewer takes a little every 300 ms, well under the timeout.
    const trickle = setInterval(() => {
      slow.res.resume();
      setTimeout(() => slow.res.pause(), 5);
    }, 300);
    try {
      await vi.waitFor(() => expect(serverSockets.get(stalled.localPort)!.destroyed).toBe(true), { timeout: 4000, interval: 20 });
      const cutAfter = performance.now() - filledAt;
      expect(cutAfter).toBeGreaterThanOrEqual(900);
      expect(cutAfter).toBeLessThan(2500);
      // The reading viewer and the slow one are still being served.
      await sleep(1500);
      expect(serverSockets.get(slow.localPort)!.destroyed).toBe(false);
      expect(liveReaders()).toBe(2);
      await up.write(piece(192));
      expect(await up.end()).toBe(204);
      expect(await reading.done).toEqual({ complete: true, bytes: 193 * PIECE });
    } finally {
      clearInterval(trickle);
    }
    slow.res.resume();
    expect(await slow.done).toEqual({ complete: true, bytes: 193 * PIECE });
    // The stalled viewer's response ends without its last chunk: incomplete, not a short segment.
    stalled.res.resume();
    const cut = await stalled.done;
    expect(cut.complete).toBe(false);
    expect(cut.bytes).toBeLessThan(193 * PIECE);
  });

  it('refuses a readerStallTimeout that is not above 0', async () => {
    await expect(startOrigin({ limits: { readerStallTimeout: 0 } })).rejects.toThrow(/limits\.readerStallTimeout: expected seconds above 0, got 0/);
  });
});
