import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { endedManifest, mediaEnd } from '../src/ingest/ended-manifest.js';
import { prepareManifest } from '../src/packaging/manifest.js';
import { SegmentStore } from '../src/store/segment-store.js';
import { validateMpd } from './ingest-helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/ffmpeg-live.mpd', import.meta.url));
/** availabilityStartTime of the fixture. */
const AST = Date.parse('2026-11-23T03:49:28.762Z');

describe('endedManifest', () => {
  let live: string;
  beforeAll(async () => {
    live = await readFile(fixture, 'utf8');
  });

  function storeWith(segments: string[]): SegmentStore {
    const store = new SegmentStore();
    store.putManifest('s', 'manifest.mpd', prepareManifest(live));
    for (const name of segments) store.beginSegment('s', name).createWriter().end(Buffer.from('x'));
    return store;
  }

  it('turns the live MPD into a static one that lasts up to the newest segment in the store, and still validates', async () => {
    const store = storeWith(['seg-0-00006.m4s', 'seg-0-00007.m4s', 'seg-1-00007.m4s']);
    const ended = endedManifest(store.stream('s')!, 'manifest.mpd', AST + 7500)!;
    expect(ended.info.type).toBe('static');
    const xml = ended.render('http://origin.example/time');
    const root = /<MPD\b[^>]*>/.exec(xml)![0];
    expect(root).toContain('type="static"');
    expect(root).toContain('mediaPresentationDuration="PT7.000S"');
    expect(root).not.toMatch(/minimumUpdatePeriod|timeShiftBufferDepth/);
    expect(xml).toContain('value="http://origin.example/time"');
    await validateMpd(xml);
    store.close();
  });

  it('falls back to the time since availabilityStartTime when no segment is left', () => {
    const store = storeWith([]);
    const manifest = store.stream('s')!.manifest('manifest.mpd')!;
    expect(mediaEnd(store.stream('s')!, manifest, AST, AST + 42_500)).toBe(42.5);
    store.close();
  });

  it('leaves a manifest alone that is already static (ffmpeg wrote its final one)', () => {
    const store = storeWith(['seg-0-00001.m4s']);
    const stream = store.stream('s')!;
    store.putManifest('s', 'manifest.mpd', endedManifest(stream, 'manifest.mpd', AST + 1000)!);
    expect(endedManifest(stream, 'manifest.mpd')).toBeUndefined();
    expect(endedManifest(stream, 'other.mpd')).toBeUndefined();
    store.close();
  });
});
