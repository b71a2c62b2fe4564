/**
 * `@llstream/react`: the llstream low-latency live player for React 18 and 19.
 * `<LLPlayer>` renders `<ll-player>` from `@llstream/vanilla`, the one default
 * UI of every llstream adapter; `useLLPlayer()` puts an `@llstream/core`
 * player on your own `<video>`, for your own UI. Both are safe to import and
 * render on the server. All times are in seconds.
 *
 * @packageDocumentation
 */
export { LLPlayer, type LLPlayerProps, type LLPlayerRenderProps } from './ll-player.js';
export { useLLPlayer, type UseLLPlayerOptions, type UseLLPlayerResult } from './use-ll-player.js';
// The core's types a React page needs for props, callbacks and refs, so it need not import @llstream/core itself.
export {
  PlayerError,
  type LatencyChange,
  type Player,
  type PlayerErrorCode,
  type PlayerSnapshot,
  type PlayerStatus,
  type StallInfo,
} from '@llstream/core';
