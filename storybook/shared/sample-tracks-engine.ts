import type { EngineFactory, TrackSelection } from '@llstream/core';
import { FakeEngine, SAMPLE_TRACKS } from '@llstream/core/testing';

/**
 * A scripted engine (`FakeEngine` from `@llstream/core/testing`) that offers
 * `SAMPLE_TRACKS` (two renditions, English stereo and German 5.1 audio,
 * English subtitles) and plays nothing: for the audio picker, which the
 * origin's demo stream (one audio track) never shows.
 */
class SampleTracksEngine extends FakeEngine {
  #selection: TrackSelection = { rendition: 'v720', audioTrack: 'a-en', textTrack: null };

  override load(...args: Parameters<FakeEngine['load']>): void {
    super.load(...args);
    queueMicrotask(() => {
      this.emit('tracks', SAMPLE_TRACKS);
      this.emit('selectionchange', this.#selection);
      this.ready();
    });
  }

  override setAudioTrack(id: string): void {
    super.setAudioTrack(id);
    this.#select({ audioTrack: id });
  }

  override setTextTrack(id: string | null): void {
    super.setTextTrack(id);
    this.#select({ textTrack: id });
  }

  override setRendition(id: string | null): void {
    super.setRendition(id);
    if (id !== null) this.#select({ rendition: id });
  }

  #select(change: Partial<TrackSelection>): void {
    this.#selection = { ...this.#selection, ...change };
    this.emit('selectionchange', this.#selection);
  }
}

/** Creates a {@link SampleTracksEngine} per player (`engine` option / input, `engineFactory` of `<ll-player>`). */
export const sampleTracksEngine: EngineFactory<unknown> = () => new SampleTracksEngine();
