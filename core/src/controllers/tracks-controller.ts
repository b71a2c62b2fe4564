import { sameTracks, type TrackList } from '../engine/tracks.js';
import type { Engine } from '../engine/engine.js';
import type { PlayerSnapshot } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import type { Controller, ControllerContext } from './controller.js';

function unknownId(kind: string, id: string, known: readonly { id: string }[]): RangeError {
  const ids = known.map((item) => item.id);
  return new RangeError(`No ${kind} with id ${JSON.stringify(id)}; the stream has ${ids.length ? ids.map((i) => JSON.stringify(i)).join(', ') : 'none'}.`);
}

/** The page's own choices; `undefined`: never made (the engine's default stands). */
interface TrackChoices {
  /** A fixed rendition; `undefined` while adaptive bitrate chooses. */
  rendition?: string;
  audioTrack?: string;
  /** `null`: subtitles turned off. */
  textTrack?: string | null;
}

/**
 * Publishes the stream's renditions, audio and text tracks and what plays
 * now, and carries the page's choices (`setQuality`, `setAudioTrack`,
 * `setTextTrack`) to the engine after checking them against what the stream
 * offers. When the same stream is loaded again (its session changed, or it
 * recovered from a failure) the engine starts from its defaults, so the
 * choices are applied again as soon as the stream lists those ids; a fixed
 * rendition the new session does not have goes back to adaptive bitrate. A
 * new stream (`load()`) forgets them.
 */
export class TracksController implements Controller {
  #engine: Engine;
  #store: SnapshotStore<PlayerSnapshot>;
  #bus: ControllerContext['bus'];
  #abort = new AbortController();
  #choices: TrackChoices = {};
  /** Choices still to apply to the engine after a resumed load. */
  #pending: TrackChoices = {};

  constructor({ engine, store, bus }: ControllerContext) {
    this.#bus = bus;
    this.#engine = engine;
    this.#store = store;
    const { signal } = this.#abort;
    engine.on(
      'loadstart',
      ({ resume }) => {
        if (!resume) this.#choices = {};
        this.#pending = { ...this.#choices };
        store.update({
          renditions: [],
          rendition: null,
          audioTracks: [],
          audioTrack: null,
          textTracks: [],
          textTrack: null,
        });
        if (!resume) this.#publishQuality('auto');
      },
      { signal },
    );
    engine.on(
      'tracks',
      (list) => {
        this.#applyPending(list);
        const current = store.getSnapshot();
        // Unchanged lists keep their identity: adapters re-render on identity.
        store.update({
          renditions: sameTracks(current.renditions, list.renditions) ? current.renditions : list.renditions,
          audioTracks: sameTracks(current.audioTracks, list.audioTracks) ? current.audioTracks : list.audioTracks,
          textTracks: sameTracks(current.textTracks, list.textTracks) ? current.textTracks : list.textTracks,
        });
      },
      { signal },
    );
    engine.on('selectionchange', (selection) => store.update(selection), { signal });
    engine.on(
      'unload',
      () => {
        this.#choices = {};
        this.#pending = {};
        store.update({ renditions: [], rendition: null, audioTracks: [], audioTrack: null, textTracks: [], textTrack: null });
        this.#publishQuality('auto');
      },
      { signal },
    );
  }

  /** Applies the choices of a resumed load whose ids the stream now lists (text tracks may be listed later than the rest). */
  #applyPending({ renditions, audioTracks, textTracks }: TrackList): void {
    const pending = this.#pending;
    const { rendition, audioTrack, textTrack } = pending;
    if (rendition !== undefined && renditions.length > 0) {
      delete pending.rendition;
      if (renditions.some((r) => r.id === rendition)) {
        this.#engine.setRendition(rendition);
      } else {
        delete this.#choices.rendition;
        this.#publishQuality('auto');
      }
    }
    if (audioTrack !== undefined && audioTracks.some((t) => t.id === audioTrack)) {
      delete pending.audioTrack;
      this.#engine.setAudioTrack(audioTrack);
    }
    if (textTrack !== undefined && (textTrack === null || textTracks.some((t) => t.id === textTrack))) {
      delete pending.textTrack;
      this.#engine.setTextTrack(textTrack);
    }
  }

  /** Sets `snapshot.quality` and tells the other controllers when it changed. */
  #publishQuality(quality: string): void {
    const previous = this.#store.getSnapshot().quality;
    if (quality === previous) return;
    this.#store.update({ quality });
    this.#bus.emit('qualitychange', { quality, previous });
  }

  /** @throws RangeError if `id` is neither `'auto'` nor a rendition of the stream. */
  setQuality(id: string): void {
    if (id === 'auto') {
      delete this.#choices.rendition;
      delete this.#pending.rendition;
      this.#publishQuality('auto');
      this.#engine.setRendition(null);
      return;
    }
    const { renditions } = this.#store.getSnapshot();
    if (!renditions.some((r) => r.id === id)) throw unknownId('rendition', id, renditions);
    this.#choices.rendition = id;
    delete this.#pending.rendition;
    this.#publishQuality(id);
    this.#engine.setRendition(id);
  }

  /** @throws RangeError if `id` is not an audio track of the stream. */
  setAudioTrack(id: string): void {
    const { audioTracks } = this.#store.getSnapshot();
    if (!audioTracks.some((t) => t.id === id)) throw unknownId('audio track', id, audioTracks);
    this.#choices.audioTrack = id;
    delete this.#pending.audioTrack;
    this.#engine.setAudioTrack(id);
  }

  /** @throws RangeError if `id` is not `null` or a text track of the stream. */
  setTextTrack(id: string | null): void {
    if (id !== null) {
      const { textTracks } = this.#store.getSnapshot();
      if (!textTracks.some((t) => t.id === id)) throw unknownId('text track', id, textTracks);
    }
    this.#choices.textTrack = id;
    delete this.#pending.textTrack;
    this.#engine.setTextTrack(id);
  }

  destroy(): void {
    this.#abort.abort();
  }
}
