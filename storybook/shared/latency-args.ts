/**
 * The Target Latency story's controls, the same in every framework: a fixed
 * or automatic target, the automatic target's bounds (seconds) and the
 * catch-up's playback-rate bounds (×), with the core's defaults.
 */
export interface LatencyArgs {
  /** Let the player pick the lowest latency delivery sustains (ignores `targetLatency`). */
  autoTarget: boolean;
  targetLatency: number;
  minLatency: number;
  maxLatency: number;
  minPlaybackRate: number;
  maxPlaybackRate: number;
}

/** Start values: a fixed 1 s target and the core's default bounds (0.1–5 s, 0.9–1.15×). */
export const LATENCY_ARGS: LatencyArgs = { autoTarget: false, targetLatency: 1, minLatency: 0.1, maxLatency: 5, minPlaybackRate: 0.9, maxPlaybackRate: 1.15 };

const range = (min: number, max: number, step: number) => ({ control: { type: 'range', min, max, step } }) as const;

/** Sliders within the ranges the core accepts (`createPlayer` throws a RangeError outside them). */
export const LATENCY_ARG_TYPES = {
  targetLatency: range(0.1, 5, 0.05),
  minLatency: range(0.05, 2, 0.05),
  maxLatency: range(1, 10, 0.05),
  minPlaybackRate: range(0.5, 1, 0.01),
  maxPlaybackRate: range(1, 2, 0.01),
};
