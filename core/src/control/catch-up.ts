/**
 * Settings of the {@link CatchUpController}. Rates are playback rates
 * (1 = real time); latencies and buffers are in seconds.
 */
export interface CatchUpSettings {
  /**
   * Slowest rate, used to let latency grow (below target, or a buffer near empty).
   * @defaultValue 0.9: a 10 % slow-down keeps speech pitch acceptable (Chrome
   *   preserves pitch; the bound is the comfort limit for voices)
   */
  readonly minPlaybackRate: number;
  /**
   * Fastest rate, used to catch up when behind the target.
   * @defaultValue 1.15, the same comfort limit upward
   */
  readonly maxPlaybackRate: number;
  /**
   * Proportional gain: rate change per second of latency error outside the
   * dead band. 0.5 gives a 2 s time constant (latency' = 1 − rate).
   * @defaultValue 0.5
   */
  readonly proportionalGain: number;
  /**
   * Integral gain: rate change per second·second of accumulated error; small,
   * so it only removes a standing error (a buffer floor holding the rate down).
   * @defaultValue 0.05
   */
  readonly integralGain: number;
  /**
   * Latency errors smaller than this, in seconds, leave the rate at 1: a
   * rate change costs an audio resampler switch and gains nothing that small.
   * A correction, once started, goes on until the error is within a quarter
   * of the band (without that, latency sat at the band's edge: a fixed 0.3 s
   * target read 317-322 ms at p50 in Chromium).
   * @defaultValue 0.02 (half a frame at 25 fps)
   */
  readonly deadBand: number;
  /**
   * Largest change of rate per second, so a jump in the latency reading is
   * followed smoothly rather than with a rate step.
   * @defaultValue 0.4
   */
  readonly slewRate: number;
  /**
   * Rates are rounded to this step; a controller that moves by less than it
   * does not change the element's rate (bounds how often the rate changes).
   * @defaultValue 0.01
   */
  readonly rateStep: number;
}

/** Defaults of {@link CatchUpSettings}. */
export const DEFAULT_CATCH_UP: CatchUpSettings = {
  minPlaybackRate: 0.9,
  maxPlaybackRate: 1.15,
  proportionalGain: 0.5,
  integralGain: 0.05,
  deadBand: 0.02,
  slewRate: 0.4,
  rateStep: 0.01,
};

/** One control step's measurements. Seconds throughout. */
export interface CatchUpInput {
  /** Live latency now (filtered). */
  readonly latency: number;
  /** The latency to hold. */
  readonly targetLatency: number;
  /** Media buffered ahead of the playback position. */
  readonly bufferAhead: number;
  /** Below this buffer ahead the rate drops under 1, down to the minimum rate at an empty buffer. */
  readonly bufferFloor: number;
  /** Seconds since the previous step. */
  readonly dt: number;
}

/**
 * The playback-rate controller: proportional-integral on the live-latency
 * error with a dead band, bounded rates, a slew limit and rate quantisation;
 * and a buffer guard that slows playback when the buffer ahead falls under
 * the floor, whatever the latency says (a stall costs more than latency).
 */
export class CatchUpController {
  readonly #settings: CatchUpSettings;
  #rate = 1;
  #integral = 0;
  /** Whether a correction is under way (started outside the dead band, not yet within a quarter of it). */
  #correcting = false;

  constructor(settings: CatchUpSettings = DEFAULT_CATCH_UP) {
    this.#settings = settings;
  }

  /** The rate chosen by the last `update` (1 before the first). */
  get playbackRate(): number {
    return this.#rate;
  }

  /** Computes the playback rate for the next step. */
  update({ latency, targetLatency, bufferAhead, bufferFloor, dt }: CatchUpInput): number {
    const s = this.#settings;
    const error = latency - targetLatency;
    let desired = 1;
    const guard = bufferFloor > 0 && bufferAhead < bufferFloor;
    // Hysteresis: a correction starts outside the dead band and goes on until the error is
    // within a quarter of it, so latency settles on the target, not on the band's edge.
    const inner = s.deadBand / 4;
    if (Math.abs(error) > s.deadBand) this.#correcting = true;
    else if (Math.abs(error) < inner) this.#correcting = false;
    if (this.#correcting) {
      // Measured from the inner band, so the rate is continuous where the correction ends.
      const outside = error - Math.sign(error) * inner;
      // Anti-windup: no integrating while the rate is pinned at a bound or held down by the buffer guard.
      const saturated = this.#rate >= s.maxPlaybackRate || this.#rate <= s.minPlaybackRate;
      if (!(guard && outside > 0) && !saturated) this.#integral += outside * dt;
      desired = 1 + s.proportionalGain * outside + s.integralGain * this.#integral;
      // At least one rate step while correcting: a smaller change rounds back to 1.
      desired = error > 0 ? Math.max(desired, 1 + s.rateStep) : Math.min(desired, 1 - s.rateStep);
    } else {
      this.#integral = 0;
    }
    if (guard) {
      const cap = 1 - (1 - s.minPlaybackRate) * (1 - Math.max(0, bufferAhead) / bufferFloor);
      desired = Math.min(desired, cap);
    }
    desired = Math.min(s.maxPlaybackRate, Math.max(s.minPlaybackRate, desired));
    const maxStep = s.slewRate * dt;
    const slewed = this.#rate + Math.min(maxStep, Math.max(-maxStep, desired - this.#rate));
    const quantised = Math.round(slewed / s.rateStep) * s.rateStep;
    // Rounding back to a step must not undo a slew smaller than a step: move one step towards `desired` then.
    const next = quantised === this.#rate && Math.abs(desired - this.#rate) >= s.rateStep ? this.#rate + Math.sign(desired - this.#rate) * s.rateStep : quantised;
    this.#rate = Math.round(Math.min(s.maxPlaybackRate, Math.max(s.minPlaybackRate, next)) * 1000) / 1000;
    return this.#rate;
  }

  /** Back to rate 1 with no accumulated error (after a seek, a stall or a new source). */
  reset(): void {
    this.#rate = 1;
    this.#integral = 0;
    this.#correcting = false;
  }
}
