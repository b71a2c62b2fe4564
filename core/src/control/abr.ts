/** Tuning of {@link AbrController}. */
export interface AbrSettings {
  /**
   * Share of the estimated throughput a rendition may use (video plus audio):
   * the rest absorbs throughput noise, keyframes and audio.
   * @defaultValue 0.8
   */
  readonly safety: number;
  /**
   * Half-life, in seconds, of the fast throughput average.
   * @defaultValue 2
   */
  readonly fastHalfLife: number;
  /**
   * Half-life, in seconds, of the slow throughput average; the estimate is
   * the lower of the two, so drops count at once and rises only once they last.
   * @defaultValue 8
   */
  readonly slowHalfLife: number;
  /**
   * Seconds the estimate must support a higher rendition before switching up.
   * @defaultValue 4
   */
  readonly upSwitchHold: number;
  /**
   * Seconds after a stall during which no switch goes up.
   * @defaultValue 10
   */
  readonly afterStallHold: number;
}

/** Defaults of {@link AbrSettings}. */
export const DEFAULT_ABR: AbrSettings = {
  safety: 0.8,
  fastHalfLife: 2,
  slowHalfLife: 8,
  upSwitchHold: 4,
  afterStallHold: 10,
};

/** A rendition as ABR sees it. */
export interface AbrRendition {
  readonly id: string;
  /** Declared bandwidth (`Representation@bandwidth`), bits/s. */
  readonly bandwidth: number;
}

/** What ABR looks at when it chooses. */
export interface AbrInput {
  /** Monotonic seconds. */
  readonly now: number;
  /** The ladder, any order. */
  readonly renditions: readonly AbrRendition[];
  /** The rendition requested now, or `null` before the first choice. */
  readonly current: string | null;
  /** Bits/s the other media (audio) take from the same link. */
  readonly otherBandwidth: number;
}

/**
 * Adaptive bitrate for chunked delivery. Under chunked transfer a segment's
 * download time is bound to the wall clock (the origin sends each chunk as it
 * is produced), so throughput comes from per-chunk transfer times (how long
 * each chunk's bytes took once they started arriving), never from segment
 * download times. Rule: the highest rendition whose bandwidth plus audio fits
 * in `safety` × the estimate (the lower of a fast and a slow exponential
 * average); down at once, up only after the estimate has allowed it for
 * `upSwitchHold` seconds and not within `afterStallHold` of a stall.
 *
 * (A rule that also stepped down when the newest buffered media aged past its
 * usual spread was tried and dropped: on the `fast-jitters` profile it made
 * 38 switches and 6 stalls in 300 s against 1 switch and 1 stall without it.)
 */
export class AbrController {
  readonly #settings: AbrSettings;
  #fast: Ewma;
  #slow: Ewma;
  #upSince: number | null = null;
  #lastStallAt = Number.NEGATIVE_INFINITY;

  constructor(settings: AbrSettings = DEFAULT_ABR) {
    this.#settings = settings;
    this.#fast = new Ewma(settings.fastHalfLife);
    this.#slow = new Ewma(settings.slowHalfLife);
  }

  /**
   * Adds a throughput sample: `bitsPerSecond` measured over the chunks of
   * `mediaSeconds` of media. Samples are weighted by the media they cover, so
   * the half-lives are in seconds of stream whatever the link speed.
   */
  addThroughput(bitsPerSecond: number, mediaSeconds: number): void {
    if (!(bitsPerSecond > 0) || !Number.isFinite(bitsPerSecond)) return;
    const weight = Math.max(mediaSeconds, 0.001);
    this.#fast.add(bitsPerSecond, weight);
    this.#slow.add(bitsPerSecond, weight);
  }

  /** Records a stall at `now`. */
  addStall(now: number): void {
    this.#lastStallAt = now;
  }

  /** The throughput estimate in bits/s, or `null` before the first sample. */
  get throughput(): number | null {
    const fast = this.#fast.value;
    const slow = this.#slow.value;
    return fast === null || slow === null ? null : Math.min(fast, slow);
  }

  /** Returns the rendition id to request from now on (possibly `input.current`), or `null` with no renditions. */
  choose({ now, renditions, current, otherBandwidth }: AbrInput): string | null {
    const ladder = [...renditions].sort((a, b) => a.bandwidth - b.bandwidth);
    const lowest = ladder[0];
    if (!lowest) return null;
    const index = ladder.findIndex((r) => r.id === current);
    const estimate = this.throughput;
    if (index < 0) {
      // First choice: what the estimate allows, else the lowest (start fast, switch up when measured).
      return estimate === null ? lowest.id : (this.#fits(ladder, estimate, otherBandwidth)?.id ?? lowest.id);
    }
    const currentRung = ladder[index] ?? lowest;
    if (estimate === null) return currentRung.id;
    const fit = this.#fits(ladder, estimate, otherBandwidth) ?? lowest;
    if (fit.bandwidth < currentRung.bandwidth) {
      this.#upSince = null;
      return fit.id;
    }
    if (fit.bandwidth === currentRung.bandwidth || now - this.#lastStallAt < this.#settings.afterStallHold) {
      this.#upSince = null;
      return currentRung.id;
    }
    this.#upSince ??= now;
    if (now - this.#upSince < this.#settings.upSwitchHold) return currentRung.id;
    this.#upSince = null;
    // One rung at a time upward: each step is re-measured before the next.
    return ladder[index + 1]?.id ?? currentRung.id;
  }

  #fits(ladder: readonly AbrRendition[], estimate: number, otherBandwidth: number): AbrRendition | undefined {
    const budget = this.#settings.safety * estimate - otherBandwidth;
    return ladder.filter((r) => r.bandwidth <= budget).at(-1);
  }
}

/** Exponentially weighted moving average with a half-life in units of sample weight (seconds of media). */
class Ewma {
  readonly #alpha: number;
  #estimate = 0;
  #totalWeight = 0;

  constructor(halfLife: number) {
    this.#alpha = Math.exp(Math.log(0.5) / halfLife);
  }

  add(value: number, weight: number): void {
    const adjustedAlpha = this.#alpha ** weight;
    this.#estimate = value * (1 - adjustedAlpha) + adjustedAlpha * this.#estimate;
    this.#totalWeight += weight;
  }

  /** Zero-bias corrected average (as Shaka's and dash.js's EWMA estimators do), or `null` before a sample. */
  get value(): number | null {
    if (this.#totalWeight === 0) return null;
    return this.#estimate / (1 - this.#alpha ** this.#totalWeight);
  }
}
