import { createPlayer, DEFAULT_TARGET_LATENCY, initialSnapshot, type Player, type PlayerOptions, type PlayerSnapshot } from '@llstream/core';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type RefCallback } from 'react';

/**
 * Options of {@link useLLPlayer}. `src`, `targetLatency` and `muted` follow
 * their changes; the others are read once, when the player is created.
 */
export interface UseLLPlayerOptions extends Omit<PlayerOptions<unknown>, 'targetLatency' | 'autoplay' | 'muted'> {
  /** The MPD URL to play; changing it loads the new stream, removing it stops playback. */
  src?: string | null;
  /**
   * A fixed live latency to hold, in seconds (finite, greater than 0);
   * `null` or absent for the automatic target.
   * @throws RangeError (from the mount or update effect) when not a finite number greater than 0.
   */
  targetLatency?: number | null;
  /**
   * Mute audio. Absent, the video element's own `muted` stays; the player
   * also mutes itself when the browser refuses unmuted autoplay (`state.muted`).
   */
  muted?: boolean;
  /** Play as soon as the first frame is ready. @defaultValue `false` (the core's default, as for a `<video>`) */
  autoPlay?: boolean;
}

/** What {@link useLLPlayer} returns. */
export interface UseLLPlayerResult {
  /** Pass to the `<video>` element the player plays into (`<video ref={ref} />`). */
  ref: RefCallback<HTMLVideoElement>;
  /** The player's snapshot (status, live latency, renditions, … in seconds); an idle one on the server and before mount. */
  state: PlayerSnapshot;
  /**
   * The core player (`play`, `pause`, `seekToLive`, `setTargetLatency`,
   * `setQuality`, `setAudioTrack`, `setTextTrack`, `setMuted`, `on`, `engine`),
   * or `null` on the server, before mount and after unmount.
   */
  player: Player<unknown> | null;
}

const noSubscription = () => () => {};

/**
 * Creates one `@llstream/core` player per mounted component and video element,
 * and reads its snapshot with `useSyncExternalStore`. The player is created in
 * an effect (never during render, so server rendering touches no `window`) and
 * destroyed on unmount; StrictMode's trial unmount destroys the first player
 * before the second is created.
 */
export function useLLPlayer(options: UseLLPlayerOptions = {}): UseLLPlayerResult {
  const { src, targetLatency = null, muted } = options;
  const [video, setVideo] = useState<HTMLVideoElement | null>(null);
  const [player, setPlayer] = useState<Player<unknown> | null>(null);
  // Creation reads the options of the render that mounted it; later changes go through the effects below.
  const latest = useRef(options);
  latest.current = options;
  const hasSource = Boolean(src);

  useEffect(() => {
    if (!video) return;
    const { src: _src, targetLatency: fixed, autoPlay, muted: mute, engine, ...rest } = latest.current;
    const settings: Omit<PlayerOptions<unknown>, 'engine'> = { ...rest };
    if (fixed != null) settings.targetLatency = fixed;
    if (autoPlay !== undefined) settings.autoplay = autoPlay;
    if (mute !== undefined) settings.muted = mute;
    const created: Player<unknown> = engine ? createPlayer({ ...settings, engine }) : createPlayer(settings);
    created.attach(video);
    setPlayer(created);
    return () => {
      created.destroy();
      setPlayer(null);
    };
    // A removed source starts over with an idle player, as a <video> without src shows nothing.
  }, [video, hasSource]);

  useEffect(() => {
    if (player && src) player.load(src);
  }, [player, src]);
  useEffect(() => player?.setTargetLatency(targetLatency), [player, targetLatency]);
  useEffect(() => {
    if (muted !== undefined) player?.setMuted(muted);
  }, [player, muted]);

  const subscribe = useCallback((onChange: () => void) => player?.subscribe(onChange) ?? noSubscription(), [player]);
  // Before a player exists (on the server, before mount): the snapshot it will start from.
  const idle = useMemo(
    () => (targetLatency === null ? initialSnapshot(DEFAULT_TARGET_LATENCY, 'auto') : initialSnapshot(targetLatency, 'option')),
    [targetLatency],
  );
  const state = useSyncExternalStore(subscribe, () => player?.getSnapshot() ?? idle, () => idle);
  return { ref: setVideo, state, player };
}
