/**
 * `@llstream/react`: the llstream low-latency live player for React 18 and 19.
 * `useLLPlayer()` puts an `@llstream/core` player on your own `<video>`;
 * `<LLPlayer>` is the ready-made player with its overlay. Both are safe to
 * import and render on the server. All times are in seconds.
 *
 * @packageDocumentation
 */
export { LLPlayer, type LLPlayerProps, type LLPlayerRenderProps } from './ll-player.js';
export { LLPlayerOverlay, type LLPlayerOverlayProps } from './ll-player-overlay.js';
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
