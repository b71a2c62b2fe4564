import type { LatencyChange, Player, PlayerError, PlayerSnapshot, StallInfo } from '@llstream/core';
import { forwardRef, useEffect, useImperativeHandle, useRef, type CSSProperties, type ReactNode, type VideoHTMLAttributes } from 'react';

import { LLPlayerOverlay } from './ll-player-overlay.js';
import { useLLPlayer, type UseLLPlayerOptions } from './use-ll-player.js';

/** What a render-function child of `<LLPlayer>` receives. */
export interface LLPlayerRenderProps {
  /** The player's snapshot; see {@link UseLLPlayerResult.state}. */
  state: PlayerSnapshot;
  /** The core player, or `null` on the server and before mount. */
  player: Player<unknown> | null;
}

/**
 * Props of {@link LLPlayer}: the hook's options (`src`, `targetLatency` in
 * seconds, `muted`, `autoPlay`, and the core's `minLatency`, `maxLatency`,
 * `minPlaybackRate`, `maxPlaybackRate`, `engine`), plus these.
 */
export interface LLPlayerProps extends UseLLPlayerOptions {
  /** Show the browser's own video controls. @defaultValue `false` */
  controls?: boolean;
  /** Class of the wrapping `<div>` (which is `position: relative`, 16:9, black by default). */
  className?: string;
  /** Style of the wrapping `<div>`, merged over its defaults (e.g. `{ aspectRatio: '4 / 3' }`). */
  style?: CSSProperties;
  /** Other attributes of the `<video>` (e.g. `aria-label`, `poster`, `crossOrigin`). */
  videoProps?: Omit<VideoHTMLAttributes<HTMLVideoElement>, 'src' | 'controls' | 'autoPlay' | 'muted' | 'children'>;
  /** The snapshot changed (several times a second while playing): status, latency, buffer, tracks, … */
  onStateChange?: (state: PlayerSnapshot) => void;
  /** Live latency or target latency changed; both in seconds. */
  onLatencyChange?: (change: LatencyChange) => void;
  /** Playback stalled (a rebuffer). */
  onStall?: (stall: StallInfo) => void;
  /** A failure stopped playback (`error.code` says what kind); the player keeps trying to resume. */
  onError?: (error: PlayerError) => void;
  /**
   * Replaces the default overlay ({@link LLPlayerOverlay}): nodes, or a
   * function of `{ state, player }`. Rendered over the video, inside the wrapper.
   */
  children?: ReactNode | ((props: LLPlayerRenderProps) => ReactNode);
}

const wrapperStyle: CSSProperties = { position: 'relative', aspectRatio: '16 / 9', overflow: 'hidden', background: '#000' };
const videoStyle: CSSProperties = { display: 'block', width: '100%', height: '100%', objectFit: 'contain' };

/**
 * A low-latency live player: a `<video>` played by an `@llstream/core`
 * player, with the default overlay (latency readout, "Go live", rendition and
 * track pickers) or `children` over it. The ref receives the core player
 * (`null` until mounted). Renders on the server (an idle player's overlay).
 *
 * @example
 * ```tsx
 * <LLPlayer src="http://localhost:8080/live/demo/manifest.mpd" targetLatency={0.3} muted autoPlay controls />
 * ```
 */
export const LLPlayer = forwardRef<Player<unknown>, LLPlayerProps>(function LLPlayer(props, ref) {
  const { controls = false, className, style, videoProps, onStateChange, onLatencyChange, onStall, onError, children, ...options } = props;
  const { ref: videoRef, state, player } = useLLPlayer(options);
  useImperativeHandle(ref, () => player as Player<unknown>, [player]);

  const callbacks = useRef({ onStateChange, onLatencyChange, onStall, onError });
  useEffect(() => {
    callbacks.current = { onStateChange, onLatencyChange, onStall, onError };
  });
  useEffect(() => {
    if (!player) return;
    const offs = [
      player.on('statechange', (snapshot) => callbacks.current.onStateChange?.(snapshot)),
      player.on('latencychange', (change) => callbacks.current.onLatencyChange?.(change)),
      player.on('stall', (stall) => callbacks.current.onStall?.(stall)),
      player.on('error', (error) => callbacks.current.onError?.(error)),
    ];
    return () => offs.forEach((off) => off());
  }, [player]);

  return (
    <div className={className} style={{ ...wrapperStyle, ...style }}>
      <video ref={videoRef} playsInline controls={controls} style={videoStyle} {...videoProps} />
      {children === undefined ? (
        <LLPlayerOverlay state={state} player={player} />
      ) : typeof children === 'function' ? (
        children({ state, player })
      ) : (
        children
      )}
    </div>
  );
});
