import { SlidingWindow } from './sliding-window.js';

/** Bounds and tuning of the automatic target latency, in seconds. */
export interface AutoTargetSettings {
  /**
   * Lowest target the player picks by itself.
   * @defaultValue 0.1
   */
  readonly minLatency: number;
  /**
   * Highest target the player picks by itself.
   * @defaultValue 5
   */
  readonly maxLatency: number;
  /**
   * Target before any delivery has been observed; playback starts there and walks in.
   * @defaultValue 0.5
   */
  readonly initialLatency: number;
  /**
   * Smallest buffer floor: about one chunk, the buffer that drains between two arrivals.
   * @defaultValue 0.04 (one frame at 25 fps, the origin's chunk)
   */
  readonly minBufferFloor: number;
  /**
   * Buffer ahead, in seconds, that the browser needs in hand to keep playing:
   * added to the jitter floor. Chrome does not play its buffer down to zero:
   * measured in Chromium 156 on the demo stream, stalls began with 44 to 137
   * ms still buffered (6 in 150 s at the automatic target), while a buffer
   * kept above 136 ms played 90 s without one.
   * @defaultValue 0.1
   */
  readonly rendererReserve: number;
  /**
   * Added to the target after a stall (at most once per second, up to
   * `maxStallPenalty`); it decays while delivery is steady.
   * @defaultValue 0.1
   */
  readonly stallPenalty: number;
  /**
   * Most the stall penalty adds up to: when throughput is below the lowest
   * rendition, stalls follow each other whatever the target, and the
   * measured edge latency already raises the target.
   * @defaultValue 0.5
   */
  readonly maxStallPenalty: number;
  /**
   * How fast the target may fall once delivery has been steady for
   * `steadyAfter`: by `fallRate` seconds per second, or by 10 % of the way
   * down per second when that is more (a target raised to seconds by an
   * outage comes back down in about half a minute). Rises are immediate.
   * @defaultValue 0.01
   */
  readonly fallRate: number;
  /**
   * Seconds without a stall before the target may fall.
   * @defaultValue 3
   */
  readonly steadyAfter: number;
  /**
   * Seconds of delivery the statistics look back over: long enough to hold
   * a few hundred chunk arrivals, short enough to forget a congestion
   * episode. (2 s made the target follow every dip of the fast-jitters
   * profile, 8 rate reversals a minute in the simulator against 1.4 at 6 s.)
   * @defaultValue 6
   */
  readonly window: number;
  /**
   * Jitter is measured against the lowest edge latency of this many seconds
   * before each sample, so that a slow climb of the edge latency (a
   * bandwidth shortfall, which only a lower rendition cures) is not taken for
   * jitter (which a larger buffer rides out). Chunk gaps longer than this are
   * under-measured; the stall penalty covers them.
   * @defaultValue 0.5
   */
  readonly trendWindow: number;
}

/** Defaults of {@link AutoTargetSettings}. */
export const DEFAULT_AUTO_TARGET: AutoTargetSettings = {
  minLatency: 0.1,
  maxLatency: 5,
  initialLatency: 0.5,
  minBufferFloor: 0.04,
  rendererReserve: 0.1,
  stallPenalty: 0.1,
  maxStallPenalty: 0.5,
  fallRate: 0.01,
  steadyAfter: 3,
  window: 6,
  trendWindow: 0.5,
};

/** Share of the distance to the wanted target the target may fall per second. */
const FALL_SHARE = 0.3;

/** Samples a window needs (seconds of span) before its quantiles steer anything. */
const MIN_SPAN = 2;

/**
 * Learns from delivery how much latency the network leaves no choice about,
 * and from it the buffer floor and the automatic target.
 *
 * Its input is the **edge latency**: live latency minus buffer ahead, the age
 * of the newest media the player holds. The player cannot lower it (it is
 * capture, encode, packaging and delivery); the buffer ahead is what it adds
 * on top. A stall happens when the edge latency comes within the browser's
 * renderer reserve of the live latency, so:
 * - the **buffer floor** is the jitter of the edge latency: the p99, over
 *   `window`, of how far each sample sits above the lowest edge latency of the
 *   `trendWindow` before it (the buffer that drains while a chunk is late),
 *   at least one chunk. Measured against that short-term low, a steady climb
 *   of the edge latency (a backlog building up while throughput is below the
 *   rendition's bitrate) counts as the climb of half a second, not as its
 *   whole height: that is the ABR's to cure, and a buffer does not help;
 *   plus the `rendererReserve`, the buffer the browser stops playing with
 *   (a stall begins there, not at an empty buffer);
 * - the **automatic target** is the high edge latency (p99 over `window`)
 *   plus the floor plus a penalty for recent stalls, within the bounds. It
 *   rises at once; it falls slowly once delivery has been steady, counted
 *   from the first estimate (two seconds of delivery) as from a stall.
 */
export class DeliveryTracker {
  readonly #settings: AutoTargetSettings;
  /** Jitter: edge latency above its `trendWindow` low. */
  readonly #jitter: SlidingWindow;
  /** Raw edge latency over `window`. */
  readonly #recent: SlidingWindow;
  /** Raw edge latency over `trendWindow`, for its low. */
  readonly #trend: SlidingWindow;
  #penalty = 0;
  #lastStallAt = Number.NEGATIVE_INFINITY;
  #target: number;
  #lastUpdate: number | null = null;
  /** Whether delivery has given a first estimate yet. */
  #measured = false;

  constructor(settings: AutoTargetSettings = DEFAULT_AUTO_TARGET) {
    this.#settings = settings;
    this.#jitter = new SlidingWindow(settings.window);
    this.#recent = new SlidingWindow(settings.window);
    this.#trend = new SlidingWindow(settings.trendWindow);
    this.#target = clamp(settings.initialLatency, settings.minLatency, settings.maxLatency);
  }

  /** Adds an edge-latency sample (seconds) observed at `now` (seconds, monotonic). */
  addEdgeLatency(now: number, edgeLatency: number): void {
    if (!Number.isFinite(edgeLatency)) return;
    this.#trend.add(now, edgeLatency);
    this.#recent.add(now, edgeLatency);
    this.#jitter.add(now, edgeLatency - (this.#trend.quantile(0) ?? edgeLatency));
  }

  /** Records a stall at `now`: the target rises by the stall penalty. */
  addStall(now: number): void {
    const s = this.#settings;
    if (now - this.#lastStallAt >= 1) this.#penalty = Math.min(s.maxStallPenalty, this.#penalty + s.stallPenalty);
    this.#lastStallAt = now;
  }

  /** Whether enough delivery has been seen for the statistics to mean something. */
  get learned(): boolean {
    return this.#jitter.span >= MIN_SPAN;
  }

  /** The buffer ahead, in seconds, under which playback should slow down. */
  get bufferFloor(): number {
    const jitter = this.learned ? (this.#jitter.quantile(0.99) ?? 0) : 0;
    return this.#settings.rendererReserve + Math.max(this.#settings.minBufferFloor, jitter);
  }

  /** The lowest latency delivery sustains now, before smoothing: p99 edge latency + floor + stall penalty. */
  get sustainableLatency(): number | null {
    const high = this.#recent.quantile(0.99);
    if (high === null || !this.learned) return null;
    return high + this.bufferFloor + this.#penalty;
  }

  /**
   * Advances the automatic target to `now` (seconds) and returns it: up at
   * once to what delivery needs, down by at most `fallRate` per second after
   * `steadyAfter` seconds without a stall (the stall penalty decays at the same pace).
   */
  update(now: number): number {
    const s = this.#settings;
    const dt = this.#lastUpdate === null ? 0 : Math.max(0, now - this.#lastUpdate);
    this.#lastUpdate = now;
    const steady = now - this.#lastStallAt >= s.steadyAfter;
    if (steady) this.#penalty = Math.max(0, this.#penalty - s.fallRate * dt);
    const needed = this.sustainableLatency;
    if (needed === null) return this.#target;
    if (!this.#measured) {
      // Two seconds of delivery can miss the jitter the next ten will show: the first
      // estimate lowers the initial target only once delivery has stayed steady
      // `steadyAfter` more seconds (each page then stalled once, early, in the browser).
      this.#measured = true;
      this.#lastStallAt = Math.max(this.#lastStallAt, now);
    }
    const wanted = clamp(Math.ceil(needed * 100) / 100, s.minLatency, s.maxLatency);
    if (wanted > this.#target) this.#target = wanted;
    else if (now - this.#lastStallAt >= s.steadyAfter) this.#target = Math.max(wanted, this.#target - Math.max(s.fallRate, FALL_SHARE * (this.#target - wanted)) * dt);
    return this.#target;
  }

  /** The target from the last `update`, seconds. */
  get targetLatency(): number {
    return this.#target;
  }

  /** Forgets delivery statistics after a discontinuity (seek, new source); the target and penalty stay. */
  clearSamples(): void {
    this.#jitter.clear();
    this.#recent.clear();
    this.#trend.clear();
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
