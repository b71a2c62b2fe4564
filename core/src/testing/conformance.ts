import type { EngineFactory } from '../engine/engine.js';
import type { PlayerEventMap } from '../events/player-events.js';
import { assertTargetLatency, type Player } from '../player.js';
import { PlayerError } from '../player-error.js';
import { FakeEngine } from './fake-engine.js';
import { trackResources, type ResourceCounts } from './resources.js';

/**
 * What every adapter takes, in core's names and units; each harness spells
 * them in its framework's idiom (`target-latency` and boolean attributes on
 * `<ll-player>`, `autoPlay` in JSX as React spells it for `<video>`, inputs
 * in Angular).
 */
export interface ConformanceOptions {
  /** The MPD URL; absent: nothing loads. */
  src?: string;
  /** A fixed target latency in seconds; `null` or absent: automatic. Bad values are passed through as given. */
  targetLatency?: number | null;
  /** Mute audio. Absent: the adapter's default (unmuted). */
  muted?: boolean;
  /** Play as soon as possible. Absent: the adapter's default (off, as for a `<video>`). */
  autoplay?: boolean;
  /** Show the default UI. Absent: the adapter's default (off, as for a `<video>`). */
  controls?: boolean;
}

/** One of the player's events as an adapter delivered it to the page: its core name and payload. */
export interface DeliveredEvent {
  /** The core event it carries (the harness maps `onStall`, `(stall)`, `stall` to `'stall'`). */
  readonly type: keyof PlayerEventMap;
  /** The payload the page's handler received (the `CustomEvent`'s `detail` for the element). */
  readonly detail: unknown;
}

/** One adapter instance mounted by a harness. */
export interface MountedAdapter {
  /** The element the adapter rendered into the page (the `<ll-player>`, or the component's host around it). */
  readonly host: HTMLElement;
  /** The core player the adapter created, or `null` when it has none (after unmount). Read it after `mount` settled. */
  readonly player: Player<unknown> | null;
  /** Every player event the page's handlers received, in order. */
  readonly events: readonly DeliveredEvent[];
  /**
   * Gives the adapter a whole new set of options, as a re-render or new
   * bindings would, and settles. Rejects with what the adapter threw.
   */
  update(options: ConformanceOptions): Promise<void>;
  /** Removes the adapter from the page and settles (the player is gone when it resolves). */
  unmount(): Promise<void>;
}

/**
 * How the conformance suite drives one adapter. `mount` and `update` resolve
 * once the adapter settled (its player created and the options applied), and
 * reject with the error the adapter threw for bad options.
 */
export interface AdapterHarness {
  /** The adapter's name in failure messages, e.g. `'<ll-player>'`. */
  readonly name: string;
  /** Mounts one adapter instance with `options`, its player on `engine`. */
  mount(options: ConformanceOptions, engine: EngineFactory<FakeEngine>): Promise<MountedAdapter>;
}

/**
 * How the server-rendering case drives one adapter: it runs where there is no
 * DOM (Node, no `window`, `document` or `HTMLElement`).
 */
export interface ServerRenderingHarness {
  /** The adapter's name in failure messages. */
  readonly name: string;
  /** Renders the adapter with `options` to HTML. */
  renderToString(options: ConformanceOptions): Promise<string>;
}

/** One check of the adapter contract. Its `run` rejects with an `Error` saying what disagreed. */
export interface ConformanceCase<H> {
  /** What the case checks, as a test name. */
  readonly name: string;
  /** Runs the check against `harness`; resolves when the adapter conforms. */
  run(harness: H): Promise<void>;
}

/** The MPD URL the cases load (nothing fetches it: the engine is a {@link FakeEngine}). */
export const CONFORMANCE_SRC = 'http://origin.test/live/demo/manifest.mpd';

/** How many times the leak case mounts and unmounts an adapter (the contract asks for 100). */
export const MOUNT_CYCLES = 100;

class ConformanceError extends Error {
  override name = 'ConformanceError';
}

function check(condition: boolean, adapter: string, message: string): asserts condition {
  if (!condition) throw new ConformanceError(`${adapter}: ${message}`);
}

function same(actual: unknown, expected: unknown, adapter: string, what: string): void {
  check(Object.is(actual, expected), adapter, `${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Fake engines created through one factory, in order. */
function engines(): { factory: EngineFactory<FakeEngine>; created: FakeEngine[] } {
  const created: FakeEngine[] = [];
  return {
    created,
    factory: () => {
      const fake = new FakeEngine();
      created.push(fake);
      return fake;
    },
  };
}

/** The one engine a mount created; fails the case otherwise. */
function only(created: readonly FakeEngine[], adapter: string): FakeEngine {
  check(created.length === 1, adapter, `expected one player (one engine) per mount, got ${created.length}`);
  return created[0]!;
}

/** Lets microtasks and one macrotask run (the player publishes in a microtask; frameworks render in either). */
function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits for `condition`, checking after each macrotask, for at most `timeoutMs` milliseconds. */
async function until(condition: () => boolean, timeoutMs: number, adapter: string, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    check(Date.now() < deadline, adapter, `timed out after ${timeoutMs} ms waiting for ${what}`);
    await tick();
  }
}

/** The `<ll-player>` the adapter rendered: the host itself or inside it. */
function llPlayerOf(host: HTMLElement): HTMLElement | null {
  return host.localName === 'll-player' ? host : host.querySelector('ll-player');
}

/** The error `mount`/`update` rejected with, or `null` if it resolved. */
async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
    return null;
  } catch (error) {
    return error;
  }
}

/** The message core throws for a bad target latency. */
function targetLatencyMessage(value: unknown): string {
  try {
    assertTargetLatency(value);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${String(value)} is a valid target latency`);
}

function describeCounts(counts: ResourceCounts): string {
  return Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}

/**
 * The adapter contract: the checks React's `<LLPlayer>`, Angular's
 * `<llstream-player>` and `<ll-player>` each run through their own
 * {@link AdapterHarness}, so that they agree on option names and defaults,
 * events, errors for bad input, and cleanup. Framework-free: a case throws a
 * plain `Error`, so any test runner (Vitest, Jasmine) runs it.
 *
 * @example
 * ```ts
 * for (const c of adapterConformance) it(c.name, () => c.run(harness));
 * ```
 */
export const adapterConformance: readonly ConformanceCase<AdapterHarness>[] = [
  {
    name: 'renders the one default UI: <ll-player>, with its control bar only when controls is set',
    async run(harness) {
      const { factory } = engines();
      const bare = await harness.mount({ src: CONFORMANCE_SRC }, factory);
      const element = llPlayerOf(bare.host);
      check(element !== null, harness.name, 'renders no <ll-player>');
      check(!element.hasAttribute('controls'), harness.name, 'shows the default UI without controls (a <video> does not)');
      await bare.unmount();
      const withControls = await harness.mount({ src: CONFORMANCE_SRC, controls: true }, factory);
      const shown = llPlayerOf(withControls.host);
      check(shown?.hasAttribute('controls') === true, harness.name, 'controls: true does not show the default UI');
      check(shown.shadowRoot?.querySelector('[part="play-button"]') != null, harness.name, 'the default UI has no play button');
      await withControls.unmount();
    },
  },
  {
    name: 'defaults: loads src, does not autoplay, unmuted, automatic target',
    async run(harness) {
      const { factory, created } = engines();
      const mounted = await harness.mount({ src: CONFORMANCE_SRC }, factory);
      const fake = only(created, harness.name);
      same(fake.src, CONFORMANCE_SRC, harness.name, 'the engine loaded');
      same(fake.autoplay, false, harness.name, 'autoplay by default');
      same(fake.muted, false, harness.name, 'muted by default');
      const snapshot = mounted.player?.getSnapshot();
      same(snapshot?.targetLatencySource, 'auto', harness.name, 'target latency source by default');
      await mounted.unmount();
    },
  },
  {
    name: 'options: autoplay, muted and a fixed target latency (seconds) reach the player when it is created',
    async run(harness) {
      const { factory, created } = engines();
      const mounted = await harness.mount({ src: CONFORMANCE_SRC, autoplay: true, muted: true, targetLatency: 0.8 }, factory);
      const fake = only(created, harness.name);
      same(fake.autoplay, true, harness.name, 'autoplay');
      same(fake.muted, true, harness.name, 'muted');
      same(fake.targetLatency, 0.8, harness.name, 'the engine\'s target latency');
      same(mounted.player?.getSnapshot().targetLatencySource, 'option', harness.name, 'target latency source');
      await mounted.unmount();
    },
  },
  {
    name: 'updates: a new src loads it, target latency and muted follow, null goes back to automatic',
    async run(harness) {
      const { factory, created } = engines();
      const mounted = await harness.mount({ src: CONFORMANCE_SRC }, factory);
      const fake = only(created, harness.name);
      const other = `${CONFORMANCE_SRC}?session=2`;
      await mounted.update({ src: other, targetLatency: 0.4, muted: true });
      same(created.length, 1, harness.name, 'players after updates (updates must not recreate it)');
      same(fake.src, other, harness.name, 'the engine loaded after src changed');
      same(fake.loadCount, 2, harness.name, 'loads after one src change');
      same(mounted.player?.getSnapshot().targetLatency, 0.4, harness.name, 'target latency after update');
      same(fake.muted, true, harness.name, 'muted after update');
      await mounted.update({ src: other, targetLatency: null, muted: false });
      same(mounted.player?.getSnapshot().targetLatencySource, 'auto', harness.name, 'target latency source after null');
      same(fake.muted, false, harness.name, 'muted after unmuting');
      await mounted.unmount();
    },
  },
  {
    name: 'events: statechange, latencychange, stall and error reach the page with the core\'s payloads',
    async run(harness) {
      const { factory, created } = engines();
      const mounted = await harness.mount({ src: CONFORMANCE_SRC, autoplay: true, targetLatency: 0.5 }, factory);
      const fake = only(created, harness.name);
      fake.ready();
      fake.liveLatency = 0.5;
      fake.bufferAhead = 0.5;
      await until(() => mounted.events.some((e) => e.type === 'latencychange'), 2000, harness.name, 'latencychange');
      fake.emit('waiting');
      await until(() => mounted.events.some((e) => e.type === 'stall'), 2000, harness.name, 'stall');
      const failure = new PlayerError('network', 'conformance: segment unavailable');
      fake.emit('error', failure);
      await until(() => mounted.events.some((e) => e.type === 'error'), 2000, harness.name, 'error');

      const snapshot = mounted.player?.getSnapshot();
      const last = <K extends keyof PlayerEventMap>(type: K) =>
        mounted.events.filter((e) => e.type === type).at(-1)?.detail as PlayerEventMap[K] | undefined;
      same(last('statechange'), snapshot, harness.name, 'the last statechange payload (the player\'s snapshot)');
      same(last('latencychange')?.targetLatency, 0.5, harness.name, 'latencychange targetLatency');
      same(last('stall')?.stallCount, 1, harness.name, 'stall stallCount');
      same(last('error'), failure, harness.name, 'the error payload (the core\'s PlayerError)');
      await mounted.unmount();
    },
  },
  {
    name: 'bad input: a target latency that is not seconds > 0 throws the core\'s RangeError, on mount and on update',
    async run(harness) {
      const { factory } = engines();
      const onMount = await rejection(() => harness.mount({ src: CONFORMANCE_SRC, targetLatency: -1 }, factory));
      check(onMount instanceof RangeError, harness.name, `mount with targetLatency -1: expected a RangeError, got ${String(onMount)}`);
      same(onMount.message, targetLatencyMessage(-1), harness.name, 'the RangeError\'s message on mount');

      const mounted = await harness.mount({ src: CONFORMANCE_SRC }, factory);
      const onUpdate = await rejection(() => mounted.update({ src: CONFORMANCE_SRC, targetLatency: Number.NaN }));
      check(onUpdate instanceof RangeError, harness.name, `update to targetLatency NaN: expected a RangeError, got ${String(onUpdate)}`);
      same(onUpdate.message, targetLatencyMessage(Number.NaN), harness.name, 'the RangeError\'s message on update');
      await mounted.unmount();
    },
  },
  {
    name: `cleanup: unmounting destroys the player, and ${MOUNT_CYCLES} mounts and unmounts leave no player, listener, timer or media source behind`,
    async run(harness) {
      const { factory, created } = engines();
      const first = await harness.mount({ src: CONFORMANCE_SRC, autoplay: true, controls: true }, factory);
      const fake = only(created, harness.name);
      await first.unmount();
      same(first.player, null, harness.name, 'player after unmount');
      same(fake.destroyed, true, harness.name, 'engine destroyed after unmount');
      same(fake.listenerCount(), 0, harness.name, 'engine listeners after unmount');

      await tick();
      const resources = trackResources();
      try {
        for (let cycle = 0; cycle < MOUNT_CYCLES; cycle++) {
          const mounted = await harness.mount({ src: CONFORMANCE_SRC, autoplay: true, controls: true }, factory);
          created.at(-1)?.ready();
          await mounted.unmount();
        }
        await tick();
        const left = resources.outstanding();
        const leaked = Object.fromEntries(Object.entries(left).filter(([, count]) => count > 0));
        check(Object.keys(leaked).length === 0, harness.name, `left behind after ${MOUNT_CYCLES} cycles: ${describeCounts(leaked as ResourceCounts)}`);
      } finally {
        resources.restore();
      }
      same(created.length, MOUNT_CYCLES + 1, harness.name, 'players created (one per mount)');
      const alive = created.filter((engine) => !engine.destroyed || engine.listenerCount() > 0);
      same(alive.length, 0, harness.name, 'players not destroyed after unmount');
    },
  },
];

/**
 * The server-rendering part of the contract, for a test file that runs
 * without a DOM: the adapter renders `<ll-player>` markup carrying the
 * options, and creates no player.
 */
export const serverRenderingConformance: readonly ConformanceCase<ServerRenderingHarness>[] = [
  {
    name: 'server rendering: renders <ll-player> markup without a DOM',
    async run(harness) {
      check(typeof document === 'undefined' && typeof HTMLElement === 'undefined', harness.name, 'this case must run where there is no DOM');
      const html = await harness.renderToString({ src: CONFORMANCE_SRC, muted: true, controls: true });
      check(/<ll-player[\s>]/.test(html), harness.name, `renders no <ll-player>: ${html}`);
    },
  },
];
