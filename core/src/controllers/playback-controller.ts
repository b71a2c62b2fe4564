import type { Engine } from '../engine/engine.js';
import type { PlayerSnapshot, PlayerStatus } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import { roundToMs, type Controller, type ControllerContext } from './controller.js';

/**
 * Turns engine events into the player's status, stall count, time to first
 * frame, muted state and error; and when the browser refuses unmuted
 * autoplay, mutes and tries again rather than sitting still.
 */
export class PlaybackController implements Controller {
  #engine: Engine;
  #store: SnapshotStore<PlayerSnapshot>;
  #abort = new AbortController();
  #loadStartedAt = 0;
  #autoplay = false;
  /** `performance.now()` when the current stall began, or `null` when not stalled. */
  #stalledAt: number | null = null;

  constructor({ engine, store, bus }: ControllerContext) {
    this.#engine = engine;
    this.#store = store;
    const { signal } = this.#abort;
    engine.on(
      'loadstart',
      ({ src, autoplay, resume }) => {
        this.#autoplay = autoplay;
        if (resume) {
          // The same stream coming back: stalls and time to first frame keep counting from the first load.
          store.update({ status: 'loading', error: null });
          return;
        }
        this.#loadStartedAt = performance.now();
        this.#stalledAt = null;
        store.update({ status: 'loading', src, stallCount: 0, stallTime: 0, timeToFirstFrame: null, error: null });
      },
      { signal },
    );
    engine.on(
      'canplay',
      () => {
        // Without autoplay the first frame is the end of loading: the viewer sees a paused picture.
        if (this.#status() === 'loading' && !this.#autoplay) this.#setStatus('paused');
      },
      { signal },
    );
    engine.on(
      'playing',
      () => {
        if (!this.#active()) return;
        const { timeToFirstFrame, stallTime } = store.getSnapshot();
        const stalled = this.#stalledAt === null ? 0 : (performance.now() - this.#stalledAt) / 1000;
        this.#stalledAt = null;
        store.update({
          status: 'playing',
          timeToFirstFrame: timeToFirstFrame ?? roundToMs((performance.now() - this.#loadStartedAt) / 1000),
          stallTime: roundToMs(stallTime + stalled),
        });
      },
      { signal },
    );
    engine.on(
      'waiting',
      () => {
        const { status, stallCount } = store.getSnapshot();
        // Waiting during start-up is loading, not a stall.
        if (status !== 'playing') return;
        this.#stalledAt = performance.now();
        store.update({ status: 'stalled', stallCount: stallCount + 1 });
        bus.emit('stall', { at: this.#stalledAt / 1000 });
      },
      { signal },
    );
    engine.on(
      'pause',
      () => {
        // A pause ends the stall's clock: waiting for the viewer is not rebuffering.
        this.#stalledAt = null;
        if (this.#active()) this.#setStatus('paused');
      },
      { signal },
    );
    engine.on(
      'ended',
      () => {
        if (this.#active()) this.#setStatus('offline');
      },
      { signal },
    );
    engine.on(
      'unload',
      () => {
        this.#stalledAt = null;
        store.update({ status: 'idle', src: null, stallCount: 0, stallTime: 0, timeToFirstFrame: null, error: null });
      },
      { signal },
    );
    engine.on('playnotallowed', () => this.#onPlayNotAllowed(), { signal });
    engine.on('mutedchange', ({ muted }) => store.update({ muted }), { signal });
    engine.on('error', (error) => store.update({ status: 'error', error }), { signal });
  }

  #onPlayNotAllowed(): void {
    if (!this.#engine.isMuted()) {
      // Browsers allow muted autoplay; the snapshot's `muted: true` tells the page to offer unmuting.
      this.#engine.setMuted(true);
      this.#engine.play();
      return;
    }
    if (this.#status() === 'loading') this.#setStatus('paused');
  }

  #status(): PlayerStatus {
    return this.#store.getSnapshot().status;
  }

  /** Whether a source is loaded and has not failed: media events only mean something then. */
  #active(): boolean {
    const status = this.#status();
    return status !== 'idle' && status !== 'error';
  }

  #setStatus(status: PlayerStatus): void {
    this.#store.update({ status });
  }

  destroy(): void {
    this.#abort.abort();
  }
}
