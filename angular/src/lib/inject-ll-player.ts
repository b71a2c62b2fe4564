import { assertInInjectionContext, computed, DestroyRef, inject, Injector, signal, type Signal } from '@angular/core';
import { createPlayer, type Player, type PlayerOptions, type PlayerSnapshot } from '@llstream/core';
import { goLive } from '@llstream/core/ui';

/**
 * Options of {@link injectLLPlayer}: the core's {@link PlayerOptions} (seconds;
 * `autoplay` off by default, as for a `<video>`), plus where to inject from.
 */
export interface InjectLLPlayerOptions extends PlayerOptions<unknown> {
  /**
   * The injector whose `DestroyRef` destroys the player, for calls outside an
   * injection context (e.g. in `ngOnInit`).
   * @defaultValue the current injection context's
   */
  injector?: Injector;
}

/** Each field of the player's {@link PlayerSnapshot} as a signal (times in seconds). */
export type LLPlayerSignals = { readonly [K in keyof PlayerSnapshot]: Signal<PlayerSnapshot[K]> };

/** The player's methods that {@link LLPlayerRef} hands on, bound to the player. */
const ACTIONS = [
  'attach',
  'load',
  'play',
  'pause',
  'seekToLive',
  'setTargetLatency',
  'setMuted',
  'setQuality',
  'setAudioTrack',
  'setTextTrack',
] as const satisfies readonly (keyof Player<unknown>)[];

/** The core {@link Player}'s actions, as {@link LLPlayerRef} offers them (see each for its units and errors). */
export type LLPlayerActions = Pick<Player<unknown>, (typeof ACTIONS)[number]>;

/** What {@link injectLLPlayer} returns: the snapshot as signals, and the player's actions. */
export interface LLPlayerRef extends LLPlayerSignals, LLPlayerActions {
  /** The whole snapshot; a new object whenever any field changes. */
  readonly snapshot: Signal<PlayerSnapshot>;
  /** The core player, for what this ref does not cover (`player.on`, `player.engine`). */
  readonly player: Player<unknown>;
  /** What `<ll-player>`'s live badge does ({@link goLive}): seek to live, and play if paused. */
  goLive(): void;
}

/**
 * Creates an `@llstream/core` player for the current component or service,
 * with its snapshot as signals, and destroys it with that injector's
 * `DestroyRef`: for your own UI (`<llstream-player>` renders the default
 * one). Call `attach(video)`, then `load(src)`; without `autoplay: true` the
 * stream then waits for `play()`.
 *
 * @example
 * ```ts
 * readonly ll = injectLLPlayer({ targetLatency: 0.3, autoplay: true, muted: true });
 * // template: {{ ll.liveLatency() }} s, <button (click)="ll.seekToLive()">
 * ```
 * @throws Error outside an injection context when `options.injector` is not given.
 * @throws RangeError from `createPlayer` for an out-of-range option.
 */
export function injectLLPlayer(options: InjectLLPlayerOptions = {}): LLPlayerRef {
  const { injector: given, engine, ...playerOptions } = options;
  if (!given) assertInInjectionContext(injectLLPlayer);
  const injector = given ?? inject(Injector);
  const player: Player<unknown> = engine ? createPlayer({ ...playerOptions, engine }) : createPlayer(playerOptions);
  const snapshot = signal(player.getSnapshot());
  const unsubscribe = player.subscribe((next) => snapshot.set(next));
  injector.get(DestroyRef).onDestroy(() => {
    unsubscribe();
    player.destroy();
  });
  const fields = Object.fromEntries(
    Object.keys(player.getSnapshot()).map((key) => [key, computed(() => snapshot()[key as keyof PlayerSnapshot])]),
  ) as unknown as LLPlayerSignals;
  const actions = Object.fromEntries(ACTIONS.map((name) => [name, player[name].bind(player)])) as unknown as LLPlayerActions;
  return { ...fields, ...actions, snapshot: snapshot.asReadonly(), player, goLive: () => goLive(player) };
}
