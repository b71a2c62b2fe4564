import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/index.js';
import { InvalidStreamError, StreamExistsError, StreamManager } from '../src/ingest/stream-manager.js';
import { SegmentStore } from '../src/store/segment-store.js';
import { captureLogger } from './helpers.js';

describe('StreamManager', () => {
  const manager = () => {
    const store = new SegmentStore();
    const { transcode, latency } = defaultConfig();
    return { store, streams: new StreamManager({ store, logger: captureLogger().logger, transcode, latency }) };
  };

  it('refuses stream declarations it could not run, naming the problem', async () => {
    const { store, streams } = manager();
    streams.declare([{ name: 'a', source: { type: 'srt', port: 9000 }, key: '0123456789' }]);
    expect(() => streams.declare([{ name: 'a', source: { type: 'rtmp' } }])).toThrow(StreamExistsError);
    expect(() => streams.declare([{ name: 'b', source: { type: 'srt', port: 9001 }, key: 'short' }])).toThrow(
      new InvalidStreamError('stream b: an SRT stream key is the SRT passphrase and must be 10 to 79 characters (got 5)'),
    );
    expect(() => streams.declare([{ name: 'c', source: { type: 'srt', port: 9000 } }])).toThrow('stream c: SRT port 9000 is already used by stream a');
    expect(() => streams.declare([{ name: 'bad name', source: { type: 'rtmp' } }])).toThrow(InvalidStreamError);
    await expect(streams.add({ name: 'd', source: { type: 'pull', url: '/nonexistent/d.mp4' } })).rejects.toThrow(
      'stream d: file /nonexistent/d.mp4 is not a readable file in the media directories (pull.mediaDirectories)',
    );
    await expect(streams.add({ name: 'e', source: { type: 'pull', url: 'concat:/etc/passwd' } })).rejects.toThrow('stream e: scheme concat: is not accepted');
    expect(streams.list().map((s) => s.name)).toEqual(['a']);
    await streams.close();
    store.close();
  });

  it('lists declared streams before they start, with passwords out of pulled URLs', async () => {
    const { store, streams } = manager();
    streams.declare([{ name: 'cam', key: 'k', source: { type: 'pull', url: 'rtsp://admin:hunter2@10.0.0.5/stream' } }]);
    expect(streams.get('cam')).toMatchObject({
      name: 'cam',
      state: 'offline',
      reason: 'not started',
      keyRequired: true,
      keyCount: 1,
      private: false,
      source: { type: 'pull', url: 'rtsp://admin:***@10.0.0.5/stream', loop: false },
      session: null,
      renditions: [],
      ingestBitrate: 0,
      viewers: 0,
      transcoder: null,
      manifest: '/live/cam/manifest.mpd',
    });
    const ring = streams.publishKeys.streamKeys('cam');
    // Stored hashed, never as given.
    expect(ring?.hashes).toEqual([expect.stringMatching(/^\$scrypt\$ln=14,r=8,p=1\$/)]);
    expect(await ring?.verify('k')).toBe(true);
    expect(await ring?.verify('K')).toBe(false);
    expect(streams.publishKeys.streamKeys('other')).toBeUndefined();
    expect(await streams.remove('cam')).toBe(true);
    expect(await streams.remove('cam')).toBe(false);
    await streams.close();
    store.close();
  });
});
