import { sameTracks } from '../engine/tracks.js';
import type { Engine } from '../engine/engine.js';
import type { PlayerSnapshot } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import type { Controller, ControllerContext } from './controller.js';

function unknownId(kind: string, id: string, known: readonly { id: string }[]): RangeError {
  const ids = known.map((item) => item.id);
  return new RangeError(`No ${kind} with id ${JSON.stringify(id)}; the stream has ${ids.length ? ids.map((i) => JSON.stringify(i)).join(', ') : 'none'}.`);
}

/**
 * Publishes the stream's renditions, audio and text tracks and what plays
 * now, and carries the page's choices (`setQuality`, `setAudioTrack`,
 * `setTextTrack`) to the engine after checking them against what the stream
 * offers.
 */
export class TracksController implements Controller {
  #engine: Engine;
  #store: SnapshotStore<PlayerSnapshot>;
  #abort = new AbortController();

  constructor({ engine, store }: ControllerContext) {
    this.#engine = engine;
    this.#store = store;
    const { signal } = this.#abort;
    engine.on(
      'loadstart',
      () =>
        store.update({ renditions: [], rendition: null, audioTracks: [], audioTrack: null, textTracks: [], textTrack: null }),
      { signal },
    );
    engine.on(
      'tracks',
      (list) => {
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
  }

  /** @throws RangeError if `id` is neither `'auto'` nor a rendition of the stream. */
  setQuality(id: string): void {
    if (id === 'auto') {
      this.#store.update({ autoQuality: true });
      this.#engine.setRendition(null);
      return;
    }
    const { renditions } = this.#store.getSnapshot();
    if (!renditions.some((r) => r.id === id)) throw unknownId('rendition', id, renditions);
    this.#store.update({ autoQuality: false });
    this.#engine.setRendition(id);
  }

  /** @throws RangeError if `id` is not an audio track of the stream. */
  setAudioTrack(id: string): void {
    const { audioTracks } = this.#store.getSnapshot();
    if (!audioTracks.some((t) => t.id === id)) throw unknownId('audio track', id, audioTracks);
    this.#engine.setAudioTrack(id);
  }

  /** @throws RangeError if `id` is not `null` or a text track of the stream. */
  setTextTrack(id: string | null): void {
    if (id !== null) {
      const { textTracks } = this.#store.getSnapshot();
      if (!textTracks.some((t) => t.id === id)) throw unknownId('text track', id, textTracks);
    }
    this.#engine.setTextTrack(id);
  }

  destroy(): void {
    this.#abort.abort();
  }
}
