import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPlayer } from '../player.js';

// dash.js stands in for itself here: the test is about *when* it is imported.
const dash = vi.hoisted(() => ({ imports: 0, player: null as Record<string, ReturnType<typeof vi.fn>> | null }));
vi.mock('dashjs', () => {
  dash.imports++;
  const player = Object.fromEntries(
    ['initialize', 'clearDefaultUTCTimingSources', 'updateSettings', 'on', 'setAutoPlay', 'attachView', 'attachSource', 'destroy'].map(
      (name) => [name, vi.fn()],
    ),
  );
  dash.player = player;
  const MediaPlayer = Object.assign(() => ({ create: () => player }), { events: {}, errors: {} });
  return { MediaPlayer, default: { MediaPlayer } };
});

/** Enough of a `<video>` for the engine and controllers, in Node. */
function fakeVideo(): HTMLVideoElement {
  return Object.assign(new EventTarget(), {
    muted: false,
    paused: true,
    seeking: false,
    currentTime: 0,
    playbackRate: 1,
    buffered: { length: 0 },
    ownerDocument: { baseURI: 'http://origin.test/' },
    getVideoPlaybackQuality: () => ({ droppedVideoFrames: 0 }),
  }) as unknown as HTMLVideoElement;
}

describe('createDashEngine (the default engine)', () => {
  afterEach(() => vi.useRealTimers());

  it('imports dash.js on the first load(), not when the player is created or attached', async () => {
    const player = createPlayer();
    player.attach(fakeVideo());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(dash.imports).toBe(0);
    expect(player.engine).toBeNull();

    player.load('/live/demo/manifest.mpd');
    await vi.waitFor(() => expect(dash.player?.['attachSource']).toHaveBeenCalledWith('http://origin.test/live/demo/manifest.mpd'));
    expect(dash.imports).toBe(1);
    expect(player.engine).toBe(dash.player);
    player.destroy();
    expect(dash.player?.['destroy']).toHaveBeenCalledOnce();
  });
});
