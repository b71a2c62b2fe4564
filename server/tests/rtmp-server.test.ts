import { describe, expect, it } from 'vitest';
import { parseRtmpPath } from '../src/ingest/rtmp-server.js';

describe('parseRtmpPath', () => {
  it('reads the stream key from a ?key= query (OBS: Server rtmp://HOST/live, Stream Key mystream?key=KEY)', () => {
    expect(parseRtmpPath({ app: 'live', name: 'mystream', query: { key: 'KEY' } })).toEqual({ stream: 'mystream', key: 'KEY', token: undefined });
  });

  it('reads the key as the last path element, whether in the stream name or in the app (OBS: Server rtmp://HOST/live/mystream, Stream Key KEY)', () => {
    expect(parseRtmpPath({ app: 'live', name: 'mystream/KEY', query: {} })).toEqual({ stream: 'mystream', key: 'KEY', token: undefined });
    expect(parseRtmpPath({ app: 'live/mystream', name: 'KEY', query: {} })).toEqual({ stream: 'mystream', key: 'KEY', token: undefined });
    expect(parseRtmpPath({ app: 'live/', name: '/mystream/KEY', query: {} })).toMatchObject({ stream: 'mystream', key: 'KEY' });
  });

  it('takes a stream without a key, and the internal play token from ?token=', () => {
    expect(parseRtmpPath({ app: 'live', name: 'mystream', query: {} })).toEqual({ stream: 'mystream', key: undefined, token: undefined });
    expect(parseRtmpPath({ app: 'live', name: 'mystream', query: { token: 'T' } })).toMatchObject({ token: 'T' });
    expect(parseRtmpPath({ app: 'live?key=KEY', name: 'mystream', query: {} })).toMatchObject({ key: 'KEY' });
  });

  it('names the problem with any other path', () => {
    expect(parseRtmpPath({ app: 'app', name: 'mystream', query: {} })).toEqual({ problem: 'RTMP path must start with /live/ (app "app", name "mystream")' });
    expect(parseRtmpPath({ app: 'live', name: '', query: {} })).toMatchObject({ problem: expect.stringContaining('/live/{stream} or /live/{stream}/{key}') });
    expect(parseRtmpPath({ app: 'live', name: 'a/b/c', query: {} })).toMatchObject({ problem: expect.stringContaining('/live/{stream} or /live/{stream}/{key}') });
    expect(parseRtmpPath({ app: 'live', name: 'bad.name', query: {} })).toEqual({ problem: 'stream name "bad.name" must be 1 to 64 characters of A-Z a-z 0-9 _ -' });
  });
});
