/**
 * Samples of one quantity over the last `windowSeconds` of a clock, with
 * quantiles over them. The controllers keep seconds-long windows of
 * tens-of-milliseconds ticks (a few hundred samples), so a sort per query is cheap.
 */
export class SlidingWindow {
  readonly #windowSeconds: number;
  #times: number[] = [];
  #values: number[] = [];
  /** `#values` sorted, kept until the next change (several quantiles are read per tick). */
  #sorted: number[] | null = null;

  /** @param windowSeconds - how long a sample counts, in seconds of the clock passed to `add`. */
  constructor(windowSeconds: number) {
    this.#windowSeconds = windowSeconds;
  }

  /** Adds `value` observed at `now` (seconds) and forgets samples older than the window. */
  add(now: number, value: number): void {
    this.#times.push(now);
    this.#values.push(value);
    this.#sorted = null;
    let stale = 0;
    while (stale < this.#times.length && (this.#times[stale] ?? now) < now - this.#windowSeconds) stale++;
    if (stale > 0) {
      this.#times.splice(0, stale);
      this.#values.splice(0, stale);
    }
  }

  /** Number of samples in the window. */
  get size(): number {
    return this.#values.length;
  }

  /** Seconds between the oldest and the newest sample (0 when empty). */
  get span(): number {
    const first = this.#times[0];
    const last = this.#times[this.#times.length - 1];
    return first === undefined || last === undefined ? 0 : last - first;
  }

  /**
   * The `q` quantile (0–1, nearest rank) of the samples in the window.
   * @returns `null` when the window is empty.
   */
  quantile(q: number): number | null {
    if (this.#values.length === 0) return null;
    this.#sorted ??= [...this.#values].sort((a, b) => a - b);
    const sorted = this.#sorted;
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank] ?? null;
  }

  /** Forgets every sample. */
  clear(): void {
    this.#times = [];
    this.#values = [];
    this.#sorted = null;
  }
}
