import { describe, expect, it } from 'vitest';

import type { TrackList } from '../engine/tracks.js';
import { createPlayer } from '../player.js';
import { FakeEngine } from '../testing/fake-engine.js';

const video = {} as HTMLVideoElement;

const LADDER: TrackList = {
  renditions: [
    { id: '3', width: 426, height: 240, bandwidth: 250_000, codecs: 'avc1.64000d' },
    { id: '0', width: 1280, height: 720, bandwidth: 2_500_000, codecs: 'avc1.64001f' },
  ],
  audioTracks: [
    { id: '4', language: 'eng', label: null, channels: 2 },
    { id: '5', language: 'deu', label: null, channels: 6 },
  ],
  textTracks: [{ id: '6', language: 'eng', label: 'English', kind: 'subtitles' }],
};

function loaded() {
  const fake = new FakeEngine();
  const player = createPlayer({ engine: () => fake });
  player.attach(video);
  player.load('http://origin.test/live/demo/manifest.mpd');
  return { fake, player };
}

describe('createPlayer renditions and tracks', () => {
  it('publishes what the stream offers and what plays', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);
    fake.emit('selectionchange', { rendition: '0', audioTrack: '4', textTrack: null });

    expect(player.getSnapshot()).toMatchObject({
      renditions: LADDER.renditions,
      rendition: '0',
      quality: 'auto',
      audioTracks: LADDER.audioTracks,
      audioTrack: '4',
      textTracks: LADDER.textTracks,
      textTrack: null,
    });
  });

  it('keeps the same snapshot when the engine repeats an unchanged track list', async () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);
    await Promise.resolve();
    const before = player.getSnapshot();
    fake.emit('tracks', structuredClone(LADDER));
    await Promise.resolve();
    expect(player.getSnapshot()).toBe(before);
  });

  it('fixes a rendition, and hands the choice back with auto', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);

    player.setQuality('3');
    expect(fake.rendition).toBe('3');
    expect(player.getSnapshot().quality).toBe('3');

    player.setQuality('auto');
    expect(fake.rendition).toBeNull();
    expect(player.getSnapshot().quality).toBe('auto');
  });

  it('switches audio and text tracks, and turns subtitles off with null', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);

    player.setAudioTrack('5');
    player.setTextTrack('6');
    expect(fake.audioTrack).toBe('5');
    expect(fake.textTrack).toBe('6');
    player.setTextTrack(null);
    expect(fake.textTrack).toBeNull();
  });

  it('refuses ids the stream does not have, naming the ones it has', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);

    expect(() => player.setQuality('1080p')).toThrow(/No rendition with id "1080p"; the stream has "3", "0"/);
    expect(() => player.setAudioTrack('fra')).toThrow(RangeError);
    expect(() => player.setTextTrack('7')).toThrow(RangeError);
    expect(fake.rendition).toBeNull();
    expect(fake.audioTrack).toBeNull();
    expect(fake.textTrack).toBeNull();
  });

  it('applies the page\'s choices again when the player reloads the same stream by itself', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);
    player.setQuality('3');
    player.setAudioTrack('5');
    player.setTextTrack('6');
    fake.rendition = fake.audioTrack = fake.textTrack = null; // a new engine session starts from its defaults

    fake.load('http://origin.test/live/demo/manifest.mpd', { autoplay: true, resume: true });
    expect(player.getSnapshot().quality).toBe('3');
    fake.emit('tracks', { ...LADDER, textTracks: [] }); // text tracks can be listed later
    expect(fake.rendition).toBe('3');
    expect(fake.audioTrack).toBe('5');
    expect(fake.textTrack).toBeNull();
    fake.emit('tracks', LADDER);
    expect(fake.textTrack).toBe('6');
    fake.textTrack = null;
    fake.emit('tracks', LADDER); // applied once, not on every listing
    expect(fake.textTrack).toBeNull();
  });

  it('hands the rendition back to adaptive bitrate when the reloaded stream no longer has it', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);
    player.setQuality('0');
    fake.rendition = null;

    fake.load('http://origin.test/live/demo/manifest.mpd', { autoplay: true, resume: true });
    fake.emit('tracks', { ...LADDER, renditions: LADDER.renditions.filter((r) => r.id !== '0') });
    expect(fake.rendition).toBeNull();
    expect(player.getSnapshot().quality).toBe('auto');
  });

  it('forgets the page\'s choices on a new load', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);
    player.setQuality('3');
    player.setAudioTrack('5');
    fake.rendition = fake.audioTrack = null;

    player.load('http://origin.test/live/other/manifest.mpd');
    expect(player.getSnapshot().quality).toBe('auto');
    fake.emit('tracks', LADDER);
    expect(fake.rendition).toBeNull();
    expect(fake.audioTrack).toBeNull();
  });

  it('forgets the previous stream\'s tracks on a new load', () => {
    const { fake, player } = loaded();
    fake.emit('tracks', LADDER);
    fake.emit('selectionchange', { rendition: '0', audioTrack: '4', textTrack: '6' });
    player.load('http://origin.test/live/other/manifest.mpd');

    expect(player.getSnapshot()).toMatchObject({ renditions: [], rendition: null, audioTracks: [], audioTrack: null, textTracks: [], textTrack: null });
  });
});
