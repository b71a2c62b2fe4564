import type { TrackList } from '../engine/tracks.js';

/**
 * A stream with something to choose in every picker, for adapters' tests
 * (`fakeEngine.emit('tracks', SAMPLE_TRACKS)`): two renditions (240p at
 * 250 kbit/s, 720p at 2.5 Mbit/s), English stereo and German 5.1 audio, and
 * English subtitles.
 */
export const SAMPLE_TRACKS: TrackList = Object.freeze({
  renditions: Object.freeze([
    Object.freeze({ id: 'v240', width: 426, height: 240, bandwidth: 250_000, codecs: 'avc1.64000d' }),
    Object.freeze({ id: 'v720', width: 1280, height: 720, bandwidth: 2_500_000, codecs: 'avc1.64001f' }),
  ]),
  audioTracks: Object.freeze([
    Object.freeze({ id: 'a-en', language: 'eng', label: 'English', channels: 2 }),
    Object.freeze({ id: 'a-de', language: 'deu', label: 'Deutsch', channels: 6 }),
  ]),
  textTracks: Object.freeze([Object.freeze({ id: 't-en', language: 'eng', label: 'English', kind: 'subtitles' as const })]),
});
