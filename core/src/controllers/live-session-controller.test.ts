import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createPlayer } from '../player.js';
import { PlayerError } from '../player-error.js';
import { FakeEngine } from '../testing/fake-engine.js';
import { readManifestSession } from './live-session-controller.js';

const SRC = 'http://origin.test/live/demo/manifest.mpd';
const video = {} as HTMLVideoElement;
const FIRST = '2026-11-23T04:00:00.000Z';
const SECOND = '2026-11-23T04:05:00.000Z';

const mpd = (ast: string, extra = ''): string =>
  `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"\n\ttype="dynamic"\n\tavailabilityStartTime="${ast}"${extra}>\n<Period/></MPD>`;

/** The origin as the player's manifest polls see it; tests change `manifest` to simulate the publisher, `null`: unreachable. */
let manifest: { status: number; body: string } | null;
const fetchMock = vi.fn(async () => {
  if (manifest === null) throw new TypeError('Failed to fetch'); // what fetch() does offline
  return new Response(manifest.body, { status: manifest.status });
});

function playing() {
  const fake = new FakeEngine();
  const player = createPlayer({ autoplay: true, engine: () => fake });
  player.attach(video);
  player.load(SRC);
  fake.emit('manifestloaded', { targetLatency: null, availabilityStartTime: Date.parse(FIRST), utcTiming: [] });
  fake.ready();
  return { fake, player };
}

/** Runs due timers and lets the fetch promise chain and the store's microtask settle. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('fetch', fetchMock);
  fetchMock.mockClear();
  manifest = { status: 200, body: mpd(FIRST) };
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('readManifestSession', () => {
  it('reads a live session from the MPD root', () => {
    expect(readManifestSession(mpd(FIRST))).toEqual({ live: true, availabilityStartTime: Date.parse(FIRST) });
  });

  it('sees an ended presentation: static, or dynamic with a duration', () => {
    expect(readManifestSession(mpd(FIRST).replace('dynamic', 'static'))?.live).toBe(false);
    expect(readManifestSession(mpd(FIRST, ' mediaPresentationDuration="PT42.0S"'))?.live).toBe(false);
  });

  it('returns null for text that is not an MPD', () => {
    expect(readManifestSession('<html>Not Found</html>')).toBeNull();
  });
});

describe('createPlayer across publisher sessions', () => {
  it('goes offline when the stream ends and plays the next session when it starts, keeping its counters', async () => {
    const { fake, player } = playing();
    fake.emit('waiting');
    fake.emit('playing');
    await advance(0);
    expect(player.getSnapshot().stallCount).toBe(1);

    manifest = { status: 200, body: mpd(FIRST).replace('dynamic', 'static') };
    fake.emit('ended');
    await advance(0);
    expect(player.getSnapshot().status).toBe('offline');

    await advance(3000);
    expect(fetchMock).toHaveBeenCalled();
    expect(fake.loadCount).toBe(1); // the ended session is not reloaded

    manifest = { status: 200, body: mpd(SECOND) };
    await advance(1000);
    expect(fake.loadCount).toBe(2);
    expect(player.getSnapshot()).toMatchObject({ status: 'loading', stallCount: 1 });

    fake.ready();
    await advance(0);
    const calls = fetchMock.mock.calls.length;
    await advance(5000);
    expect(fetchMock.mock.calls.length).toBe(calls); // no polling while playing
  });

  it('loads the new session at once when a manifest refresh shows the publisher restarted', async () => {
    const { fake, player } = playing();
    fake.emit('manifestloaded', { targetLatency: null, availabilityStartTime: Date.parse(FIRST), utcTiming: [] }); // a plain refresh
    expect(fake.loadCount).toBe(1);

    fake.emit('manifestloaded', { targetLatency: null, availabilityStartTime: Date.parse(SECOND), utcTiming: [] });
    expect(fake.loadCount).toBe(2);
    fake.emit('manifestloaded', { targetLatency: null, availabilityStartTime: Date.parse(SECOND), utcTiming: [] }); // the new session's first manifest
    fake.emit('manifestloaded', { targetLatency: null, availabilityStartTime: Date.parse(SECOND), utcTiming: [] }); // and a refresh of it
    expect(fake.loadCount).toBe(2);
    await advance(0);
    expect(player.getSnapshot().status).toBe('loading');
  });

  it('keeps waiting through 404s while the publisher is away', async () => {
    const { fake } = playing();
    manifest = { status: 404, body: '{"message":"unknown stream"}' };
    fake.emit('ended');
    await advance(5000);
    expect(fetchMock.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(fake.loadCount).toBe(1);
  });

  it('after a long stall, reloads only if the manifest describes another session', async () => {
    const { fake, player } = playing();
    fake.emit('waiting');
    await advance(2900);
    expect(fetchMock).not.toHaveBeenCalled(); // a short stall is the engine's business

    await advance(2000);
    expect(fetchMock).toHaveBeenCalled();
    expect(fake.loadCount).toBe(1); // same session: nothing to reload

    manifest = { status: 200, body: mpd(SECOND) }; // the publisher restarted under the player
    await advance(1000);
    expect(fake.loadCount).toBe(2);
    expect(player.getSnapshot().status).toBe('loading');
  });

  it('shows a long stall as offline when the manifest says the stream ended, or the stream is gone', async () => {
    for (const ended of [{ status: 200, body: mpd(FIRST).replace('dynamic', 'static') }, { status: 404, body: '' }]) {
      const { fake, player } = playing();
      manifest = ended;
      fake.emit('waiting');
      await advance(3000);
      expect(player.getSnapshot().status).toBe('offline');
      expect(fake.loadCount).toBe(1);
      player.destroy();
    }
  });

  it('resumes after a manifest failure once the stream is live again', async () => {
    const { fake, player } = playing();
    const statuses: string[] = [];
    player.subscribe(({ status }) => statuses.push(status));
    manifest = { status: 200, body: mpd(SECOND) };
    fake.emit('error', new PlayerError('manifest', 'MPD 404'));
    await advance(0);
    expect(statuses).toEqual(['error', 'loading']);
    expect(fake.loadCount).toBe(2);
  });

  it('reloads the same session after a failure once the manifest is reachable again (the network came back)', async () => {
    const { fake, player } = playing();
    manifest = null;
    fake.emit('error', new PlayerError('manifest', 'http://origin.test/live/demo/manifest.mpd is not available'));
    await advance(5000);
    expect(fetchMock.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(fake.loadCount).toBe(1);
    expect(player.getSnapshot().status).toBe('error');
    expect(player.getSnapshot().error?.message).toContain('manifest.mpd');

    manifest = { status: 200, body: mpd(FIRST) }; // same session: the origin never stopped
    await advance(1000);
    expect(fake.loadCount).toBe(2);
    expect(player.getSnapshot()).toMatchObject({ status: 'loading', error: null });
  });

  it('stops polling on destroy', async () => {
    const { fake, player } = playing();
    fake.emit('ended');
    await advance(1500);
    player.destroy();
    const calls = fetchMock.mock.calls.length;
    await advance(5000);
    expect(fetchMock.mock.calls.length).toBe(calls);
  });
});
