import { assertInInjectionContext, computed, DestroyRef, inject, Injector, signal, type Signal } from '@angular/core';
import { createPlayer, type Player, type PlayerOptions, type PlayerSnapshot } from '@llstream/core';
import { goLive } from '@llstream/core/ui';

/** Options of {@link injectLLPlayer}: the core's {@link PlayerOptions}, plus where to inject from. */
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

/** What {@link injectLLPlayer} returns: the snapshot as signals, and the player's actions. */
export interface LLPlayerRef extends LLPlayerSignals {
  /** The whole snapshot; a new object whenever any field changes. */
  readonly snapshot: Signal<PlayerSnapshot>;
  /** The core player, for what this ref does not cover (`player.on`, `player.engine`). */
  readonly player: Player<unknown>;
  /** See {@link Player.attach}. */
  attach(video: HTMLVideoElement): void;
  /** See {@link Player.load}. @throws TypeError if `src` is empty. */
  load(src: string): void;
  /** See {@link Player.play}. */
  play(): void;
  /** See {@link Player.pause}. */
  pause(): void;
  /** See {@link Player.seekToLive}. */
  seekToLive(): void;
  /** What the default overlay's "Go live" button does ({@link goLive}): seek to live, and play if paused. */
  goLive(): void;
  /** See {@link Player.setTargetLatency}: seconds, or `null` for automatic. @throws RangeError for a value not > 0. */
  setTargetLatency(seconds: number | null): void;
  /** See {@link Player.setMuted}. */
  setMuted(muted: boolean): void;
  /** See {@link Player.setQuality}: a rendition id or `'auto'`. @throws RangeError for an unknown id. */
  setQuality(id: string): void;
  /** See {@link Player.setAudioTrack}. @throws RangeError for an unknown id. */
  setAudioTrack(id: string): void;
  /** See {@link Player.setTextTrack}: a text track id, or `null` for subtitles off. @throws RangeError for an unknown id. */
  setTextTrack(id: string | null): void;
}

/**
 * Creates an `@llstream/core` player for the current component or service,
 * with its snapshot as signals, and destroys it with that injector's
 * `DestroyRef`. Call `attach(video)`, then `load(src)`.
 *
 * @example
 * ```ts
 * readonly ll = injectLLPlayer({ targetLatency: 0.3 });
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
  return {
    ...fields,
    snapshot: snapshot.asReadonly(),
    player,
    attach: (video) => player.attach(video),
    load: (src) => player.load(src),
    play: () => player.play(),
    pause: () => player.pause(),
    seekToLive: () => player.seekToLive(),
    goLive: () => goLive(player),
    setTargetLatency: (seconds) => player.setTargetLatency(seconds),
    setMuted: (muted) => player.setMuted(muted),
    setQuality: (id) => player.setQuality(id),
    setAudioTrack: (id) => player.setAudioTrack(id),
    setTextTrack: (id) => player.setTextTrack(id),
  };
}
