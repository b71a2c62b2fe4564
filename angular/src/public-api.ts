/**
 * `@llstream/angular`: the llstream low-latency live player for Angular 21:
 * a standalone component that renders `<ll-player>` (the one default UI, from
 * `@llstream/vanilla`), an NgModule, and `injectLLPlayer()` for your own UI.
 *
 * All times are in seconds.
 *
 * @packageDocumentation
 */
export { LLPlayerComponent, type LLPlayerHostElement } from './lib/ll-player.component';
export { LLPlayerModule } from './lib/ll-player.module';
export {
  injectLLPlayer,
  type InjectLLPlayerOptions,
  type LLPlayerActions,
  type LLPlayerRef,
  type LLPlayerSignals,
} from './lib/inject-ll-player';
// The core's types that the component's inputs, outputs and signals carry, so an app needs no second import.
export {
  PlayerError,
  type LatencyChange,
  type StallInfo,
  type PlayerErrorCode,
  type PlayerSnapshot,
  type PlayerStatus,
  type EngineFactory,
  type Player,
} from '@llstream/core';
