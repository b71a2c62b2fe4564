import { ClockSync, type ClockSample } from '../control/clock-sync.js';
import type { Engine, UtcTimingSource } from '../engine/engine.js';
import type { PlayerSnapshot } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import type { Controller, ControllerContext } from './controller.js';

/** `UTCTiming` schemes whose answer body is an ISO 8601 / xs:dateTime date (ISO/IEC 23009-1 Table 32; the 2012 URNs are DASH-IF IOP's older spelling). */
const DATE_BODY_SCHEMES = new Set([
  'urn:mpeg:dash:utc:http-xsdate:2014',
  'urn:mpeg:dash:utc:http-iso:2014',
  'urn:mpeg:dash:utc:http-xsdate:2012',
  'urn:mpeg:dash:utc:http-iso:2012',
]);
const HEAD_SCHEME = 'urn:mpeg:dash:utc:http-head:2014';
const DIRECT_SCHEMES = new Set(['urn:mpeg:dash:utc:direct:2014', 'urn:mpeg:dash:utc:direct:2012']);

/** Exchanges per synchronisation: the shortest round trip of a few wins. */
const EXCHANGES = 3;
/** Seconds between re-synchronisations: clocks drift by tens of ppm, under 1 ms a minute. */
export const CLOCK_RESYNC_INTERVAL_S = 60;

/** What the clock sync needs from its surroundings; replaceable in tests. */
export interface ClockSyncEnvironment {
  /** @defaultValue `globalThis.fetch` */
  readonly fetch: typeof fetch;
  /** Local wall clock, epoch ms. @defaultValue `Date.now` */
  readonly now: () => number;
}

/**
 * Synchronises to the origin's clock from the manifest's `UTCTiming`
 * (http-xsdate / http-iso bodies, an http-head `Date` header, or a direct
 * value), with round-trip correction ({@link ClockSync}), a few exchanges
 * at load and one round every {@link CLOCK_RESYNC_INTERVAL_S} seconds; it
 * publishes `clockOffset` and `clockUncertainty`. The first usable source in
 * document order is used; a failed one is skipped. Without any, the offset
 * stays 0 and the uncertainty `null`.
 */
export class ClockSyncController implements Controller {
  #store: SnapshotStore<PlayerSnapshot>;
  #env: ClockSyncEnvironment;
  #abort = new AbortController();
  #sync = new ClockSync();
  #sources: readonly UtcTimingSource[] = [];
  #timer: ReturnType<typeof setInterval> | null = null;
  #running = false;

  constructor({ engine, store }: ControllerContext, env: Partial<ClockSyncEnvironment> = {}) {
    this.#store = store;
    this.#env = { fetch: env.fetch ?? ((...args) => globalThis.fetch(...args)), now: env.now ?? Date.now };
    this.#listen(engine);
  }

  #listen(engine: Engine): void {
    const { signal } = this.#abort;
    engine.on(
      'manifestloaded',
      ({ utcTiming }) => {
        if (sameSources(utcTiming, this.#sources)) return;
        this.#sources = utcTiming;
        this.#sync.clear();
        this.#store.update({ clockOffset: 0, clockUncertainty: null });
        void this.#round(EXCHANGES);
        if (this.#timer === null) this.#timer = setInterval(() => void this.#round(1), CLOCK_RESYNC_INTERVAL_S * 1000);
      },
      { signal },
    );
    engine.on(
      'unload',
      () => {
        // Nothing to measure against until a manifest names its time source again.
        if (this.#timer !== null) clearInterval(this.#timer);
        this.#timer = null;
        this.#sources = [];
      },
      { signal },
    );
  }

  async #round(exchanges: number): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (const source of this.#sources) {
        let ok = false;
        for (let i = 0; i < exchanges && !this.#abort.signal.aborted; i++) {
          const sample = await this.#exchange(source);
          if (!sample) break;
          this.#sync.add(sample);
          ok = true;
        }
        if (ok) break;
      }
    } finally {
      this.#running = false;
    }
    const offset = this.#sync.offset;
    const uncertainty = this.#sync.uncertainty;
    if (offset === null || uncertainty === null || this.#abort.signal.aborted) return;
    this.#store.update({ clockOffset: Math.round(offset) / 1000, clockUncertainty: Math.round(uncertainty) / 1000 });
  }

  async #exchange(source: UtcTimingSource): Promise<ClockSample | null> {
    const { scheme, value } = source;
    if (DIRECT_SCHEMES.has(scheme)) {
      const now = this.#env.now();
      return { sentAt: now, receivedAt: now, serverTime: Date.parse(value), resolution: 1000 };
    }
    const head = scheme === HEAD_SCHEME;
    if (!head && !DATE_BODY_SCHEMES.has(scheme)) return null;
    try {
      const sentAt = this.#env.now();
      const response = await this.#env.fetch(value, { method: head ? 'HEAD' : 'GET', cache: 'no-store', signal: this.#abort.signal });
      const body = head ? (response.headers.get('date') ?? '') : await response.text();
      const receivedAt = this.#env.now();
      if (!response.ok) return null;
      const serverTime = Date.parse(body.trim());
      if (!Number.isFinite(serverTime)) return null;
      // A Date header has whole seconds; an ISO body with a fraction has milliseconds.
      const resolution = head || !/\.\d/.test(body) ? 1000 : 1;
      return { sentAt, receivedAt, serverTime, resolution };
    } catch {
      return null;
    }
  }

  destroy(): void {
    this.#abort.abort();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}

function sameSources(a: readonly UtcTimingSource[], b: readonly UtcTimingSource[]): boolean {
  return a.length === b.length && a.every((source, i) => source.scheme === b[i]?.scheme && source.value === b[i]?.value);
}
