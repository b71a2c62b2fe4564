import type { Engine } from '../engine/engine.js';
import type { PlayerSnapshot } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import type { Controller, ControllerContext } from './controller.js';

/** Timing of {@link LiveSessionController}, in milliseconds. */
export interface LiveSessionTiming {
  /**
   * How often the manifest is fetched while waiting for the stream to come
   * back. One fetch per second is what a live player costs an origin anyway.
   * @defaultValue 1000 ms
   */
  pollInterval: number;
  /**
   * How long a stall may last before the manifest is checked for a new
   * session. A publisher restart gives new segment names and a new
   * availabilityStartTime, and the MPD's minimumUpdatePeriod may be long,
   * so the engine alone would keep asking for segments of the old session.
   * @defaultValue 3000 ms (three 1 s segments)
   */
  stallTimeout: number;
}

const DEFAULT_TIMING: LiveSessionTiming = { pollInterval: 1000, stallTimeout: 3000 };

/** What the root element of a fetched MPD says about the session it describes. */
export interface ManifestSession {
  /** `MPD@type === 'dynamic'` with no `mediaPresentationDuration`: a stream still being published. */
  readonly live: boolean;
  /** `MPD@availabilityStartTime` in ms since the Unix epoch, or `null`. */
  readonly availabilityStartTime: number | null;
}

/**
 * Reads the session out of MPD text: only the attributes of the root `MPD`
 * element matter, so no XML parser (and no DOM) is needed.
 * @returns `null` when the text has no `MPD` element.
 */
export function readManifestSession(text: string): ManifestSession | null {
  const root = /<MPD\b([^>]*)>/.exec(text)?.[1];
  if (root === undefined) return null;
  const attribute = (name: string): string | undefined => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(root)?.[1];
  const ast = Date.parse(attribute('availabilityStartTime') ?? '');
  return {
    live: attribute('type') === 'dynamic' && attribute('mediaPresentationDuration') === undefined,
    availabilityStartTime: Number.isFinite(ast) ? ast : null,
  };
}

/**
 * Follows a live stream across publisher sessions and failures. When the
 * stream ends (status `offline`), a stall outlasts
 * {@link LiveSessionTiming.stallTimeout}, or a manifest or network failure
 * stops playback (status `error`), it fetches the manifest every
 * {@link LiveSessionTiming.pollInterval} and reloads the engine as soon as
 * the manifest describes a live session other than the one that stopped, or,
 * after an error, as soon as the stream is live again at all (the origin or
 * the viewer's network is back): players come back by themselves, with no
 * page reload. A stall whose manifest says the presentation ended (or is
 * gone: 404) turns into status `offline`.
 */
export class LiveSessionController implements Controller {
  #engine: Engine;
  #store: SnapshotStore<PlayerSnapshot>;
  #timing: LiveSessionTiming;
  #abort = new AbortController();
  #unsubscribe: () => void;
  /** availabilityStartTime of the session the engine plays: its first manifest since `load`; `undefined` until then. */
  #sessionStart: number | null | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | null = null;
  #pollTimer: ReturnType<typeof setInterval> | null = null;
  #polling: AbortController | null = null;

  constructor({ engine, store }: ControllerContext, timing: Partial<LiveSessionTiming> = {}) {
    this.#engine = engine;
    this.#store = store;
    this.#timing = { ...DEFAULT_TIMING, ...timing };
    const { signal } = this.#abort;
    engine.on('manifestloaded', ({ availabilityStartTime }) => this.#onManifest(availabilityStartTime), { signal });
    engine.on(
      'loadstart',
      () => {
        this.#stopWatching();
        this.#sessionStart = undefined;
      },
      { signal },
    );
    engine.on(
      'unload',
      () => {
        this.#stopWatching();
        this.#sessionStart = undefined;
      },
      { signal },
    );
    this.#unsubscribe = store.subscribe((snapshot, previous) => this.#onSnapshot(snapshot, previous));
  }

  /**
   * The engine refreshes the MPD as it plays (`minimumUpdatePeriod`); a
   * refresh with another availabilityStartTime is a publisher that
   * restarted under the player, whose timeline and segment names the engine
   * cannot carry on with: load the new session at once.
   */
  #onManifest(availabilityStartTime: number | null): void {
    if (this.#sessionStart === undefined) {
      this.#sessionStart = availabilityStartTime;
      return;
    }
    if (availabilityStartTime === null || availabilityStartTime === this.#sessionStart) return;
    const { src } = this.#store.getSnapshot();
    if (src !== null) this.#engine.load(src, { autoplay: true, resume: true });
  }

  #onSnapshot({ status, error }: PlayerSnapshot, previous: PlayerSnapshot): void {
    if (status === previous.status && error === previous.error) return;
    if (status === 'playing' || status === 'loading' || status === 'idle' || status === 'paused') {
      this.#stopWatching();
    } else if (status === 'offline' || (status === 'error' && (error?.code === 'manifest' || error?.code === 'network'))) {
      this.#startPolling();
    } else if (status === 'stalled' && this.#stallTimer === null && this.#pollTimer === null) {
      this.#stallTimer = setTimeout(() => {
        this.#stallTimer = null;
        this.#startPolling();
      }, this.#timing.stallTimeout);
    }
  }

  #startPolling(): void {
    if (this.#pollTimer !== null) return;
    this.#pollTimer = setInterval(() => void this.#poll(), this.#timing.pollInterval);
    void this.#poll();
  }

  async #poll(): Promise<void> {
    const { src } = this.#store.getSnapshot();
    if (src === null || this.#polling !== null) return;
    const polling = new AbortController();
    this.#polling = polling;
    try {
      const url = new URL(src, globalThis.document?.baseURI);
      const response = await fetch(url, { cache: 'no-store', signal: polling.signal });
      if (!response.ok) {
        // The origin forgot the stream: its publisher has been away a while. Keep waiting.
        if (response.status === 404 || response.status === 410) this.#markOffline();
        return;
      }
      const session = readManifestSession(await response.text());
      if (polling.signal.aborted || session === null) return;
      if (!session.live) {
        // The engine may not fetch the MPD again for minutes (minimumUpdatePeriod): say what the manifest says.
        this.#markOffline();
        return;
      }
      // The same session: a stall is the engine's to ride out, but an engine stopped by an error
      // (e.g. its MPD refresh failed while the viewer's network was down) does not fetch again by itself.
      const sameSession = session.availabilityStartTime !== null && session.availabilityStartTime === this.#sessionStart;
      if (sameSession && this.#store.getSnapshot().status !== 'error') return;
      this.#engine.load(src, { autoplay: true, resume: true });
    } catch {
      // Offline or aborted: the next interval tries again.
    } finally {
      if (this.#polling === polling) this.#polling = null;
    }
  }

  /** A stall that is really the end of the stream is shown as such. */
  #markOffline(): void {
    if (this.#store.getSnapshot().status === 'stalled') this.#store.update({ status: 'offline' });
  }

  #stopWatching(): void {
    if (this.#stallTimer !== null) clearTimeout(this.#stallTimer);
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    this.#stallTimer = null;
    this.#pollTimer = null;
    this.#polling?.abort();
    this.#polling = null;
  }

  destroy(): void {
    this.#stopWatching();
    this.#abort.abort();
    this.#unsubscribe();
  }
}
