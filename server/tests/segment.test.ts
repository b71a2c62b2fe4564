import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { Segment, SegmentAbortedError, SegmentTooLargeError } from '../src/index.js';

const chunk = (text: string): Buffer => Buffer.from(text);

/** Collects what a reader yields; resolves on end, rejects on error. */
function collect(reader: NodeJS.ReadableStream): { received: string[]; finished: Promise<void> } {
  const received: string[] = [];
  reader.on('data', (data: Buffer) => received.push(data.toString()));
  const finished = new Promise<void>((resolve, reject) => {
    reader.on('end', resolve);
    reader.on('error', reject);
  });
  return { received, finished };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Segment', () => {
  it('gives a reader that joins mid-upload every earlier chunk, then each live chunk as it arrives', async () => {
    const segment = new Segment('seg-1.m4s');
    segment.append(chunk('a'));
    segment.append(chunk('b'));
    const { received, finished } = collect(segment.createReader());
    await tick();
    expect(received).toEqual(['a', 'b']);

    segment.append(chunk('c'));
    await tick();
    expect(received).toEqual(['a', 'b', 'c']);

    segment.finish();
    await finished;
    expect(received.join('')).toBe('abc');
  });

  it('fans each chunk out to every reader', async () => {
    const segment = new Segment('seg-1.m4s');
    const first = collect(segment.createReader());
    const second = collect(segment.createReader());
    for (const text of ['x', 'y', 'z']) {
      segment.append(chunk(text));
      await tick();
      expect(first.received.at(-1)).toBe(text);
      expect(second.received.at(-1)).toBe(text);
    }
    segment.finish();
    await Promise.all([first.finished, second.finished]);
  });

  it('streams a complete segment to a late reader and ends it', async () => {
    const segment = new Segment('seg-1.m4s');
    segment.append(chunk('one'));
    segment.append(chunk('two'));
    segment.finish();
    const { received, finished } = collect(segment.createReader());
    await finished;
    expect(received.join('')).toBe('onetwo');
    expect(segment.liveReaderCount).toBe(0);
  });

  it('lets a paused reader lag without delaying the writer or another reader', async () => {
    const segment = new Segment('seg-1.m4s');
    const paused = segment.createReader();
    paused.pause();
    const fast = collect(segment.createReader());
    const big = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 200; i += 1) segment.append(big);
    segment.finish();
    await fast.finished;
    expect(fast.received.join('').length).toBe(200 * big.length);
    // The paused reader holds at most its buffer's worth, not the segment.
    expect(paused.readableLength).toBeLessThanOrEqual(2 * big.length);

    const late = collect(paused);
    paused.resume();
    await late.finished;
    expect(late.received.join('').length).toBe(200 * big.length);
  });

  it('gives readers the bytes that arrived and then an error when the upload breaks off', async () => {
    const segment = new Segment('seg-1.m4s');
    segment.append(chunk('partial'));
    const { received, finished } = collect(segment.createReader());
    await tick();
    segment.abort();
    await expect(finished).rejects.toBeInstanceOf(SegmentAbortedError);
    expect(received.join('')).toBe('partial');
    expect(segment.state).toBe('aborted');

    const late = collect(segment.createReader());
    await expect(late.finished).rejects.toBeInstanceOf(SegmentAbortedError);
    expect(late.received.join('')).toBe('partial');
  });

  it('hands a reader piped into a slow sink every byte before the error when the upload broke off', async () => {
    const segment = new Segment('seg-1.m4s');
    // Small chunks: many of them sit in the reader's buffer at once.
    for (let i = 0; i < 50; i += 1) segment.append(Buffer.alloc(100, 1));
    segment.abort();
    const reader = segment.createReader();
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 1,
      write(data: Buffer, _encoding, callback) {
        bytes += data.length;
        setImmediate(callback);
      },
    });
    const failed = new Promise((resolve) => reader.on('error', resolve));
    reader.pipe(slow);
    await expect(failed).resolves.toBeInstanceOf(SegmentAbortedError);
    expect(bytes).toBe(50 * 100);
  });

  it('unregisters a reader that is destroyed (client gone)', async () => {
    const segment = new Segment('seg-1.m4s');
    const reader = segment.createReader();
    reader.resume();
    await tick();
    expect(segment.liveReaderCount).toBe(1);
    reader.destroy();
    expect(segment.liveReaderCount).toBe(0);
    segment.append(chunk('after'));
    expect(segment.chunkCount).toBe(1);
  });

  it('completes through its writer and aborts when the writer is destroyed early', async () => {
    const complete = new Segment('seg-1.m4s');
    const writer = complete.createWriter();
    writer.write(chunk('ab'));
    writer.end(chunk('c'));
    await new Promise((resolve) => writer.on('finish', resolve));
    expect(complete.state).toBe('complete');
    expect(complete.byteLength).toBe(3);

    const broken = new Segment('seg-2.m4s');
    const brokenWriter = broken.createWriter();
    brokenWriter.on('error', () => undefined);
    brokenWriter.write(chunk('ab'));
    brokenWriter.destroy(new Error('publisher gone'));
    expect(broken.state).toBe('aborted');
  });

  it('destroys its writer when aborted from outside, so the upload is torn down', async () => {
    const segment = new Segment('seg-1.m4s');
    const writer = segment.createWriter();
    const failed = new Promise((resolve) => writer.on('error', resolve));
    segment.abort();
    await expect(failed).resolves.toBeInstanceOf(SegmentAbortedError);
    expect(writer.destroyed).toBe(true);
  });

  it('aborts an upload that exceeds its byte limit', async () => {
    const segment = new Segment('seg-1.m4s', { maxBytes: 10 });
    const sink = segment.createWriter();
    const source = (async function* () {
      yield Buffer.alloc(6);
      yield Buffer.alloc(6);
    })();
    await expect(pipeline(source, sink)).rejects.toBeInstanceOf(SegmentTooLargeError);
    expect(segment.state).toBe('aborted');
    expect(segment.byteLength).toBe(6);
  });

  it('lets its owner refuse a chunk: the segment aborts with the owner\'s error and keeps only what was accepted', async () => {
    const full = new Error('no room');
    let room = 10;
    const segment = new Segment('seg-1.m4s', {
      reserve: (bytes) => {
        if (bytes > room) throw full;
        room -= bytes;
      },
    });
    const reader = collect(segment.createReader());
    segment.append(chunk('123456'));
    expect(() => segment.append(chunk('123456'))).toThrow(full);
    expect(segment.state).toBe('aborted');
    expect(segment.byteLength).toBe(6);
    expect(room).toBe(4);
    await expect(reader.finished).rejects.toBeInstanceOf(SegmentAbortedError);
    expect(reader.received.join('')).toBe('123456');
  });

  it('honors backpressure: a reader piped into a slow sink is not handed chunks it did not ask for', async () => {
    const segment = new Segment('seg-1.m4s');
    const reader = segment.createReader();
    let release!: () => void;
    const slow = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        release = callback;
      },
    });
    reader.pipe(slow);
    for (let i = 0; i < 100; i += 1) segment.append(Buffer.alloc(16 * 1024));
    await tick();
    // One chunk in the sink, at most a buffer's worth waiting in the reader.
    expect(reader.readableLength).toBeLessThanOrEqual(32 * 1024);
    release();
  });
});
