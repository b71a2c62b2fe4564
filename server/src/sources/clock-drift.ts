import { ArrivalClock } from './arrival-clock.js';

/** Options of a {@link ClockDrift}. */
export interface ClockDriftOptions {
  /**
   * The minimum-delay window the drift is measured over, ms of source time
   * (see {@link ArrivalClock}).
   * @defaultValue 10 000 ms
   */
  window?: number;
  /**
   * Source time after the first frame (and after each {@link ClockDrift.restart})
   * before the relation to the origin's clock is taken as the reference, ms:
   * the first frames of a publish or a reconnect come in a burst, later than
   * their steady delay, and the minimum-delay anchor settles within about a
   * second of them.
   * @defaultValue 3000 ms
   */
  settle?: number;
  /**
   * Largest change of the correction per ms of source time: 0.005 follows a
   * source clock up to 0.5 % fast or slow (5000 ppm; encoder crystals are
   * within 100 ppm, 0.01 %), and keeps every track's timestamps increasing.
   * @defaultValue 0.005
   */
  maxSlew?: number;
}

/**
 * Keeps a pushed source's timeline on the origin's clock: a correction, ms,
 * added to each of the source's timestamps before the transcoder reads
 * them, that takes out the drift between the publisher's clock and the
 * origin's.
 *
 * The transcoder's output timeline is the source's (ffmpeg keeps the input
 * timestamps), and the MPD's availabilityStartTime, fixed for a transcoder
 * run, says when its media time 0 was captured; so players that steer on
 * availabilityStartTime (dash.js, Shaka, and dash.js's segment requests
 * under llstream's player) take media time for wall-clock time since then.
 * A publisher whose clock runs 0.1 % fast has its media run 1 ms a second
 * ahead of the wall clock: after 3 minutes those players read latency
 * 180 ms wrong, and llstream's player, steering on the frames' own capture
 * times, plays 180 ms closer to the segments' announced availability and
 * stalled twice in 3 minutes (the publisher-clock e2e test, before this).
 *
 * The drift is the change of the minimum-delay anchor (the earliest
 * `arrival - timestamp` over the window, see {@link ArrivalClock}) since
 * the reference taken once the first frames settled; the correction
 * follows it at most `maxSlew` ms per ms of source time. A re-anchored
 * jump ({@link ClockDrift.restart}) keeps the correction and takes a new
 * reference: the arrival gap of a reconnect is not drift.
 */
export class ClockDrift {
  readonly #window: number;
  readonly #settle: number;
  readonly #maxSlew: number;
  #arrivals: ArrivalClock;
  /** The anchor at which the correction is 0, ms; undefined while settling. */
  #reference: number | undefined;
  /** Source time at which the reference is taken, ms. */
  #settleUntil: number | undefined;
  /** Newest timestamp observed, ms. */
  #newest: number | undefined;
  #correction = 0;

  constructor(options: ClockDriftOptions = {}) {
    this.#window = options.window ?? 10_000;
    this.#settle = options.settle ?? 3000;
    this.#maxSlew = options.maxSlew ?? 0.005;
    this.#arrivals = new ArrivalClock({ window: this.#window });
  }

  /** The correction now, ms (negative for a publisher clock that runs fast). */
  get correction(): number {
    return this.#correction;
  }

  /** A frame with source timestamp `timestamp` (ms) arrived at `arrival` (epoch ms). Timestamps must grow (a re-anchored timeline). */
  observe(timestamp: number, arrival: number): void {
    this.#arrivals.add(timestamp, arrival);
    const anchor = this.#arrivals.captureOf(timestamp)! - timestamp;
    const elapsed = this.#newest === undefined ? 0 : Math.max(0, timestamp - this.#newest);
    this.#newest = Math.max(this.#newest ?? timestamp, timestamp);
    this.#settleUntil ??= timestamp + this.#settle;
    if (this.#reference === undefined) {
      if (timestamp >= this.#settleUntil) this.#reference = anchor - this.#correction;
      return;
    }
    const step = elapsed * this.#maxSlew;
    this.#correction += Math.min(step, Math.max(-step, anchor - this.#reference - this.#correction));
  }

  /** `timestamp` (ms) on the origin's clock: with the correction, in whole ms. */
  map(timestamp: number): number {
    return timestamp + Math.round(this.#correction);
  }

  /** The source's timeline was re-anchored (a jump): the correction stays, the reference is taken anew once the new frames settle. */
  restart(): void {
    this.#arrivals = new ArrivalClock({ window: this.#window });
    this.#reference = undefined;
    this.#settleUntil = undefined;
    this.#newest = undefined;
  }
}
