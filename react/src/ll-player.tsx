import { DEFAULT_TARGET_LATENCY, initialSnapshot, type LatencyChange, type Player, type PlayerError, type PlayerSnapshot, type StallInfo } from '@llstream/core';
import type { LLPlayerElement } from '@llstream/vanilla';
import '@llstream/vanilla/define';
import {
  createElement,
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type ReactNode,
} from 'react';

import type { UseLLPlayerOptions } from './use-ll-player.js';

/** What a render-function child of `<LLPlayer>` receives. */
export interface LLPlayerRenderProps {
  /** The player's snapshot (an idle one on the server and before the player exists). */
  state: PlayerSnapshot;
  /** The core player, or `null` on the server and before mount. */
  player: Player<unknown> | null;
}

/**
 * Props of {@link LLPlayer}: the hook's options (`src`, `targetLatency` in
 * seconds, `muted`, `autoPlay`, and the core's `minLatency`, `maxLatency`,
 * `minPlaybackRate`, `maxPlaybackRate`, `engine`), plus these. The same
 * options, under the same defaults, as `<ll-player>`'s attributes and the
 * Angular component's inputs (`autoPlay` is spelled as React spells it on
 * `<video>`).
 */
export interface LLPlayerProps extends UseLLPlayerOptions {
  /** Show the default UI (control bar, live badge, menus, latency readout). @defaultValue `false`, as for a `<video>` */
  controls?: boolean;
  /** Image shown before the first frame (the video's `poster`). */
  poster?: string;
  /** Class of the `<ll-player>` element (which is `position: relative`, 16:9, black by default). */
  className?: string;
  /** Style of the `<ll-player>` element (e.g. `{ aspectRatio: '4 / 3' }` or `--ll-player-*` custom properties). */
  style?: CSSProperties;
  /** The snapshot changed (several times a second while playing): status, latency, buffer, tracks, … */
  onStateChange?: (state: PlayerSnapshot) => void;
  /** Live latency or target latency changed; both in seconds. */
  onLatencyChange?: (change: LatencyChange) => void;
  /** Playback stalled (a rebuffer). */
  onStall?: (stall: StallInfo) => void;
  /** A failure stopped playback (`error.code` says what kind); the player keeps trying to resume. */
  onError?: (error: PlayerError) => void;
  /**
   * Your own overlay, over the video and under the control bar: nodes, or a
   * function of `{ state, player }` (re-rendered on every snapshot). Position
   * it inside the player, which is `position: relative`.
   */
  children?: ReactNode | ((props: LLPlayerRenderProps) => ReactNode);
}

// Layout effects run before the element's player is created (in the microtask
// after insertion); on the server there is no layout and nothing to run.
const useBeforePaint = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/**
 * A low-latency live player: React's rendering of `<ll-player>` from
 * `@llstream/vanilla`, the one default UI every llstream adapter shows (play,
 * mute and volume, live badge and "Go live", quality, audio and subtitle
 * menus, picture in picture, full screen, keyboard shortcuts, the latency
 * readout). The ref receives the core player (`null` until the element has
 * created it). Renders on the server (the element's markup; the player starts
 * in the browser).
 *
 * @throws RangeError (from a layout effect, to the nearest error boundary) when
 * `targetLatency` is not `null` and not a finite number of seconds greater than 0.
 *
 * @example
 * ```tsx
 * <LLPlayer src="http://localhost:8080/live/demo/manifest.mpd" muted autoPlay controls />
 * ```
 */
export const LLPlayer = forwardRef<Player<unknown> | null, LLPlayerProps>(function LLPlayer(props, ref) {
  const { src, targetLatency = null, muted, autoPlay, controls, poster, className, style, children } = props;
  const [element, setElement] = useState<LLPlayerElement | null>(null);
  const [player, setPlayer] = useState<Player<unknown> | null>(null);
  const idle = useMemo(
    () => (targetLatency === null ? initialSnapshot(DEFAULT_TARGET_LATENCY, 'auto') : initialSnapshot(targetLatency, 'option')),
    [targetLatency],
  );
  const [state, setState] = useState<PlayerSnapshot | null>(null);
  useImperativeHandle(ref, () => player as Player<unknown>, [player]);

  // What the element's event listeners and its creation read: the latest props.
  const latest = useRef({ props, renderState: false });
  latest.current = { props, renderState: typeof children === 'function' };

  const listening = useRef<AbortController | null>(null);
  // Runs when React inserts the element, before the element creates its player
  // (in the microtask after insertion), so the options below are the ones it reads.
  const attach = useCallback((node: LLPlayerElement | null) => {
    listening.current?.abort();
    listening.current = null;
    setElement(node);
    if (!node) {
      setPlayer(null);
      return;
    }
    const { engine, minLatency, maxLatency, minPlaybackRate, maxPlaybackRate, targetLatency: fixed = null } = latest.current.props;
    node.engineFactory = engine ?? null;
    node.playerOptions = Object.fromEntries(
      Object.entries({ minLatency, maxLatency, minPlaybackRate, maxPlaybackRate }).filter(([, value]) => value !== undefined),
    );
    node.targetLatency = fixed;
    const abort = new AbortController();
    listening.current = abort;
    const on = <T,>(type: string, handle: (detail: T) => void) =>
      node.addEventListener(type, (event) => handle((event as CustomEvent<T>).detail), { signal: abort.signal });
    on<PlayerSnapshot>('statechange', (snapshot) => {
      setPlayer(node.player);
      if (latest.current.renderState) setState(snapshot);
      latest.current.props.onStateChange?.(snapshot);
    });
    on<LatencyChange>('latencychange', (change) => latest.current.props.onLatencyChange?.(change));
    on<StallInfo>('stall', (stall) => latest.current.props.onStall?.(stall));
    on<PlayerError>('error', (error) => latest.current.props.onError?.(error));
  }, []);

  useBeforePaint(() => {
    if (element) element.targetLatency = targetLatency;
  }, [element, targetLatency]);

  // Boolean props as present-or-absent attributes (`false` would be a present attribute in React 18).
  // tabIndex: the element makes itself focusable on connect; rendered here, server markup says so too.
  return createElement(
    'll-player',
    {
      ref: attach,
      className,
      style,
      tabindex: '0',
      src: src || undefined,
      poster: poster || undefined,
      muted: muted || undefined,
      autoplay: autoPlay || undefined,
      controls: controls || undefined,
    },
    typeof children === 'function' ? children({ state: state ?? player?.getSnapshot() ?? idle, player }) : children,
  );
});
