/** Options of an {@link ArrivalClock}. */
export interface ArrivalClockOptions {
  /**
   * The anchor is the earliest arrival relation over this much of the
   * source's timeline, ms: long enough that some frames in it came without
   * network or scheduling delay, short enough that a source clock running
   * 0.1 % slow (1 ms a second later) moves it by at most a few ms.
   * @defaultValue 10 000 ms
   */
  window?: number;
  /**
   * Delay the transport adds on purpose before a frame arrives, ms,
   * subtracted from every arrival: SRT's receiver latency (TSBPD releases
   * each packet that long after it was sent).
   * @defaultValue 0
   */
  transportDelay?: number;
}

/**
 * When the frames of a pushed or pulled source entered the origin: a
 * minimum-delay anchor of the source's own timestamps against their arrival
 * (as MediaMTX's wall-clock estimator does). A frame can arrive late
 * (network, a busy machine) but not early, so the earliest relation over
 * the recent window is the closest to the true one:
 * `captureOf(t) = t + min(arrival - t)`. A source clock that runs fast moves
 * the anchor earlier with every frame; one that runs slow moves it later as
 * old frames leave the window.
 *
 * Timestamps must grow (a re-anchored timeline, as the feeds give them);
 * one that goes back more than the window starts over.
 */
export class ArrivalClock {
  readonly #window: number;
  readonly #transportDelay: number;
  /** `[timestamp ms, arrival - timestamp ms]`, timestamps increasing, offsets increasing: the monotonic queue of the window's minimum. */
  #queue: Array<[number, number]> = [];
  #newest = -Infinity;

  constructor(options: ArrivalClockOptions = {}) {
    this.#window = options.window ?? 10_000;
    this.#transportDelay = options.transportDelay ?? 0;
  }

  /** A frame with source timestamp `timestamp` (ms) arrived at `arrival` (epoch ms). */
  add(timestamp: number, arrival: number): void {
    if (timestamp < this.#newest - this.#window) {
      this.#queue = [];
      this.#newest = timestamp;
    }
    this.#newest = Math.max(this.#newest, timestamp);
    const offset = arrival - this.#transportDelay - timestamp;
    const queue = this.#queue;
    while (queue.length > 0 && queue.at(-1)![1] >= offset) queue.pop();
    queue.push([timestamp, offset]);
    while (queue[0]![0] < this.#newest - this.#window) queue.shift();
  }

  /** When the frame with source timestamp `timestamp` (ms) entered, epoch ms; undefined before the first frame. */
  captureOf(timestamp: number): number | undefined {
    const anchor = this.#queue[0]?.[1];
    return anchor === undefined ? undefined : timestamp + anchor;
  }
}
