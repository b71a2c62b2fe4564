import { isIPv6 } from 'node:net';

/** Options of a {@link FailureLimiter}. */
export interface FailureLimiterOptions {
  /** Failures one client may have within `window` before it is refused. @defaultValue 10 */
  maxFailures?: number;
  /** The window, ms. @defaultValue 60 000 ms */
  window?: number;
  /** Clients remembered at most; the longest-unseen are forgotten first. @defaultValue 10 000 */
  maxClients?: number;
}

/**
 * The client a request counts against: its address, with an IPv6 address
 * cut to its /64 (one host usually holds a whole /64, so per-address
 * counting would not limit it), and IPv4-mapped IPv6 as plain IPv4.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!isIPv6(address)) return address;
  // Expand `::` so that the first four groups are the /64.
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return `${groups.slice(0, 4).map((group) => group.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Counts failed authentication attempts (wrong stream keys, wrong API
 * tokens) per client and refuses a client that failed too often: after
 * `maxFailures` failures within `window`, {@link FailureLimiter.retryAfter}
 * says how long until its oldest failure leaves the window. The check is
 * made before any key is verified, so a refused guess costs nothing (a
 * scrypt check takes ~40 ms of a core). Memory is bounded: `maxFailures`
 * timestamps per client, `maxClients` clients.
 */
export class FailureLimiter {
  #maxFailures: number;
  #window: number;
  #maxClients: number;
  /** Failure times per client, oldest first; insertion order = least recently failed first. */
  #failures = new Map<string, number[]>();

  constructor(options: FailureLimiterOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 10;
    this.#window = options.window ?? 60_000;
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /**
   * How long `client` must wait before its next attempt is checked, ms;
   * 0 if it may try now.
   * @param client a {@link clientKey}.
   */
  retryAfter(client: string, now = performance.now()): number {
    const times = this.#recent(client, now);
    if (times === undefined || times.length < this.#maxFailures) return 0;
    return Math.max(1, times[0]! + this.#window - now);
  }

  /** Records a failed attempt of `client` (a {@link clientKey}). */
  fail(client: string, now = performance.now()): void {
    const times = this.#recent(client, now) ?? [];
    times.push(now);
    if (times.length > this.#maxFailures) times.shift();
    this.#failures.delete(client);
    this.#failures.set(client, times);
    if (this.#failures.size > this.#maxClients) this.#failures.delete(this.#failures.keys().next().value!);
  }

  #recent(client: string, now: number): number[] | undefined {
    const times = this.#failures.get(client);
    if (times === undefined) return undefined;
    while (times.length > 0 && times[0]! <= now - this.#window) times.shift();
    if (times.length === 0) {
      this.#failures.delete(client);
      return undefined;
    }
    return times;
  }
}
