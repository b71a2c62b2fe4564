import { describe, expect, it, vi } from 'vitest';
import { PlayerError } from '../player-error.js';
import { initialSnapshot, type PlayerSnapshot } from '../store/player-snapshot.js';
import { goLive, overlayState } from './overlay-state.js';

const snapshot = (changes: Partial<PlayerSnapshot>): PlayerSnapshot => ({ ...initialSnapshot(0.5, 'auto'), ...changes });
const ladder = [
  { id: 'v0', width: 426, height: 240, bandwidth: 300_000, codecs: null },
  { id: 'v2', width: 1280, height: 720, bandwidth: 2_500_000, codecs: null },
  { id: 'v1', width: 854, height: 480, bandwidth: 1_000_000, codecs: null },
];

describe('overlayState', () => {
  it('reads latency and target in seconds, a dash before the first frame', () => {
    expect(overlayState(snapshot({})).latencyText).toBe('Latency – · target 0.50 s');
    expect(overlayState(snapshot({ status: 'playing', liveLatency: 0.2514, targetLatency: 0.3 })).latencyText).toBe('Latency 0.25 s · target 0.30 s');
  });

  it('says what the player is doing, and nothing while it plays', () => {
    expect(overlayState(snapshot({ status: 'loading' })).statusText).toBe('Loading…');
    expect(overlayState(snapshot({ status: 'stalled' })).statusText).toBe('Buffering…');
    expect(overlayState(snapshot({ status: 'offline' })).statusText).toMatch(/offline/);
    expect(overlayState(snapshot({ status: 'playing' })).statusText).toBeNull();
    const error = new PlayerError('manifest', 'http://x/manifest.mpd is not available');
    expect(overlayState(snapshot({ status: 'error', error })).statusText).toBe('Error: http://x/manifest.mpd is not available');
  });

  it('offers "Go live" past the margin over target and while paused, not for gaps catch-up closes', () => {
    const playing = (liveLatency: number) => overlayState(snapshot({ status: 'playing', liveLatency, targetLatency: 0.3 })).behindLive;
    expect(playing(0.31)).toBe(false);
    expect(playing(0.79)).toBe(false);
    expect(playing(0.81)).toBe(true);
    expect(overlayState(snapshot({ status: 'paused', liveLatency: 0.3, targetLatency: 0.3 })).behindLive).toBe(true);
    expect(overlayState(snapshot({ status: 'loading' })).behindLive).toBe(false);
  });

  it('lists the ladder highest first after "Auto", and selects what the viewer chose', () => {
    const auto = overlayState(snapshot({ renditions: ladder, rendition: 'v1', quality: 'auto' })).quality;
    expect(auto?.options).toEqual([
      { id: 'auto', label: 'Auto' },
      { id: 'v2', label: '720p · 2.5 Mb/s' },
      { id: 'v1', label: '480p · 1.0 Mb/s' },
      { id: 'v0', label: '240p · 300 kb/s' },
    ]);
    expect(auto?.selected).toBe('auto');
    // The viewer's pick shows at once, while the rendition on screen is still the old one.
    expect(overlayState(snapshot({ renditions: ladder, rendition: 'v2', quality: 'v0' })).quality?.selected).toBe('v0');
    expect(overlayState(snapshot({ renditions: ladder.slice(0, 1) })).quality).toBeNull();
  });

  it('offers audio only with two tracks or more, subtitles with "Off" first', () => {
    const audioTracks = [
      { id: 'a1', language: 'en', label: null, channels: 2 },
      { id: 'a2', language: 'fr', label: 'Français', channels: 6 },
      { id: 'a3', language: null, label: null, channels: null },
    ];
    const textTracks = [{ id: 't1', language: 'en', label: null, kind: 'captions' as const }];
    const state = overlayState(snapshot({ audioTracks, audioTrack: 'a2', textTracks, textTrack: null }));
    expect(state.audio).toEqual({
      options: [
        { id: 'a1', label: 'en (stereo)' },
        { id: 'a2', label: 'Français (5.1)' },
        { id: 'a3', label: 'Audio 3' },
      ],
      selected: 'a2',
    });
    expect(state.text).toEqual({ options: [{ id: null, label: 'Off' }, { id: 't1', label: 'en (CC)' }], selected: null });
    expect(overlayState(snapshot({ audioTracks: audioTracks.slice(0, 1) })).audio).toBeNull();
    expect(overlayState(snapshot({})).text).toBeNull();
  });
});

describe('goLive', () => {
  it('seeks to live, and plays again only when paused', () => {
    for (const [status, plays] of [['paused', 1], ['playing', 0]] as const) {
      const player = { seekToLive: vi.fn(), play: vi.fn(), getSnapshot: () => snapshot({ status }) };
      goLive(player);
      expect(player.seekToLive).toHaveBeenCalledOnce();
      expect(player.play).toHaveBeenCalledTimes(plays);
    }
  });
});
