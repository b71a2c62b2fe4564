import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkSrtPassphrase, SrtFeed } from '../src/ingest/srt-listener.js';
import { pesPacket } from './helpers.js';

describe('checkSrtPassphrase', () => {
  it('accepts 10 to 79 characters, as libsrt does', () => {
    expect(checkSrtPassphrase('0123456789')).toBeUndefined();
    expect(checkSrtPassphrase('x'.repeat(79))).toBeUndefined();
    expect(checkSrtPassphrase('short')).toBe('an SRT stream key is the SRT passphrase and must be 10 to 79 characters (got 5)');
    expect(checkSrtPassphrase('x'.repeat(80))).toContain('(got 80)');
  });
});

describe('SrtFeed', () => {
  it('keeps the head until a sink attaches, then sends the head followed by each chunk', async () => {
    const feed = new SrtFeed();
    feed.push(Buffer.from('ab'));
    feed.push(Buffer.from('cd'));
    expect((await feed.head({ minDuration: 0, minBytes: 4 })).toString()).toBe('abcd');
    const sink = new PassThrough();
    const received: string[] = [];
    sink.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    feed.attach(sink);
    feed.push(Buffer.from('ef'));
    feed.end();
    await new Promise((resolve) => sink.on('end', resolve));
    expect(received.join('')).toBe('abcdef');
  });

  it('gives a sink that joins later (a restarted transcoder) the NUT headers, then the stream from its next syncpoint', async () => {
    const feed = new SrtFeed();
    const header = Buffer.from('NM-main-header|NS-stream-header|');
    feed.push(Buffer.concat([header, SYNCPOINT, Buffer.from('frame1')]));
    feed.attach(new PassThrough());
    const second = new PassThrough();
    const received: Buffer[] = [];
    second.on('data', (chunk: Buffer) => received.push(chunk));
    feed.attach(second);
    // The rest of a frame, then a syncpoint cut in two by a chunk boundary.
    feed.push(Buffer.from('rest-of-frame2'));
    feed.push(Buffer.concat([Buffer.from('frame3'), SYNCPOINT.subarray(0, 3)]));
    feed.push(Buffer.concat([SYNCPOINT.subarray(3), Buffer.from('frame4')]));
    feed.push(Buffer.from('frame5'));
    feed.end();
    await new Promise((resolve) => second.on('end', resolve));
    expect(Buffer.concat(received).equals(Buffer.concat([header, SYNCPOINT, Buffer.from('frame4frame5')]))).toBe(true);
  });

  it('counts the MPEG-TS copy without forwarding it, and times its video frames', () => {
    const feed = new SrtFeed();
    const sink = new RecordingSink();
    feed.attach(sink as unknown as Writable);
    expect(feed.arrivals.captureOf(0)).toBeUndefined();
    feed.pushTs(pesPacket(0xe0, 90_000));
    expect(feed.bytes).toBe(188);
    expect(sink.written).toEqual([]);
    // Arrived now, less two frame intervals of the relay's demuxer (30 fps before any gap is known).
    const capture = feed.arrivals.captureOf(1000)!;
    expect(Date.now() - capture).toBeGreaterThanOrEqual(2000 / 30 - 1);
    expect(Date.now() - capture).toBeLessThan(2000 / 30 + 1000);
  });

  it('waits for enough of the head, or for the end of the publish', async () => {
    const feed = new SrtFeed();
    const head = feed.head({ minDuration: 0, minBytes: 3 });
    let settled = false;
    void head.then(() => (settled = true));
    feed.push(Buffer.from('a'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(settled).toBe(false);
    feed.push(Buffer.from('bc'));
    expect((await head).toString()).toBe('abc');

    const empty = new SrtFeed();
    const nothing = empty.head();
    empty.end();
    expect((await nothing).length).toBe(0);
  });

  it('drops chunks a sink has not taken beyond maxQueued, instead of growing memory, and resumes at a syncpoint', () => {
    const feed = new SrtFeed({ maxQueued: 4 });
    const sink = new RecordingSink();
    feed.attach(sink as unknown as Writable);
    feed.push(Buffer.from('frame1'));
    sink.backlog = 5;
    feed.push(Buffer.from('lost'));
    expect(feed.dropped).toBe(1);
    sink.backlog = 0;
    // After a loss, nothing more until the next syncpoint: the demuxer never reads half a frame.
    feed.push(Buffer.from('half-a-frame'));
    feed.push(Buffer.concat([Buffer.from('more'), SYNCPOINT, Buffer.from('whole')]));
    expect(Buffer.concat(sink.written).equals(Buffer.concat([Buffer.from('frame1'), SYNCPOINT, Buffer.from('whole')]))).toBe(true);
  });
});

/** A sink that keeps what it is written, with a backlog (`writableLength`) the test sets. */
class RecordingSink {
  backlog = 0;
  readonly written: Buffer[] = [];

  get writableLength(): number {
    return this.backlog;
  }

  write(chunk: Buffer): boolean {
    this.written.push(chunk);
    return true;
  }

  on(): this {
    return this;
  }

  end(): void {}
}

/** A NUT syncpoint's startcode (NUT specification, "startcodes"). */
const SYNCPOINT = Buffer.from('4e4be4adeeca4569', 'hex');
