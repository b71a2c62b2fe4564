import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkSrtPassphrase, TsFeed } from '../src/ingest/srt-listener.js';

describe('checkSrtPassphrase', () => {
  it('accepts 10 to 79 characters, as libsrt does', () => {
    expect(checkSrtPassphrase('0123456789')).toBeUndefined();
    expect(checkSrtPassphrase('x'.repeat(79))).toBeUndefined();
    expect(checkSrtPassphrase('short')).toBe('an SRT stream key is the SRT passphrase and must be 10 to 79 characters (got 5)');
    expect(checkSrtPassphrase('x'.repeat(80))).toContain('(got 80)');
  });
});

describe('TsFeed', () => {
  it('keeps the head until a sink attaches, then sends the head followed by each chunk', async () => {
    const feed = new TsFeed();
    feed.push(Buffer.from('ab'));
    feed.push(Buffer.from('cd'));
    expect((await feed.head({ minDuration: 0, minBytes: 4 })).toString()).toBe('abcd');
    const sink = new PassThrough();
    const received: string[] = [];
    sink.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    feed.attach(sink);
    feed.push(Buffer.from('ef'));
    // A restarted transcoder joins mid-stream, without the head.
    const second = new PassThrough();
    const secondReceived: string[] = [];
    second.on('data', (chunk: Buffer) => secondReceived.push(chunk.toString()));
    feed.attach(second);
    feed.push(Buffer.from('gh'));
    feed.end();
    await new Promise((resolve) => second.on('end', resolve));
    expect(received.join('')).toBe('abcdef');
    expect(secondReceived.join('')).toBe('gh');
    expect(feed.bytes).toBe(8);
  });

  it('waits for enough of the head, or for the end of the publish', async () => {
    const feed = new TsFeed();
    const head = feed.head({ minDuration: 0, minBytes: 3 });
    let settled = false;
    void head.then(() => (settled = true));
    feed.push(Buffer.from('a'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(settled).toBe(false);
    feed.push(Buffer.from('bc'));
    expect((await head).toString()).toBe('abc');

    const empty = new TsFeed();
    const nothing = empty.head();
    empty.end();
    expect((await nothing).length).toBe(0);
  });

  it('drops chunks a sink has not taken beyond maxQueued, instead of growing memory', () => {
    const feed = new TsFeed({ maxQueued: 4 });
    const stuck = new PassThrough({ highWaterMark: 1 });
    feed.attach(stuck);
    for (let i = 0; i < 10; i += 1) feed.push(Buffer.from('xx'));
    expect(feed.dropped).toBeGreaterThan(0);
    expect(stuck.writableLength).toBeLessThanOrEqual(6);
  });
});
