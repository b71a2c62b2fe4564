/**
 * One exchange with a time server: the local clock (milliseconds since the
 * epoch, `Date.now()`) when the request left and when the answer arrived,
 * and the server's time in the answer.
 */
export interface ClockSample {
  /** Local time the request was sent, epoch ms. */
  readonly sentAt: number;
  /** Local time the answer arrived, epoch ms. */
  readonly receivedAt: number;
  /** The server's time in the answer, epoch ms (as written, truncated to `resolution`). */
  readonly serverTime: number;
  /** Granularity of `serverTime`, ms: 1 for an ISO date with milliseconds, 1000 for an HTTP `Date` header. */
  readonly resolution: number;
}

/** How many recent exchanges the estimate chooses from. */
const KEPT_SAMPLES = 8;

/**
 * Estimates the offset from the local clock to a server's clock, NTP-style
 * (RFC 5905 §8, with one server timestamp): the server read its clock
 * somewhere within the round trip, so the offset is the server time minus
 * the midpoint of the round trip, with an uncertainty of half the round trip
 * (plus half the server's resolution). Of the last exchanges, the one with
 * the shortest round trip wins: queueing only ever adds delay.
 */
export class ClockSync {
  #samples: ClockSample[] = [];

  /** Adds an exchange. Exchanges with a negative round trip or a non-finite time are ignored. */
  add(sample: ClockSample): void {
    const roundTrip = sample.receivedAt - sample.sentAt;
    if (!(roundTrip >= 0) || !Number.isFinite(sample.serverTime)) return;
    this.#samples.push(sample);
    if (this.#samples.length > KEPT_SAMPLES) this.#samples.shift();
  }

  #best(): ClockSample | null {
    let best: ClockSample | null = null;
    for (const sample of this.#samples) {
      if (best === null || sample.receivedAt - sample.sentAt + sample.resolution < best.receivedAt - best.sentAt + best.resolution) best = sample;
    }
    return best;
  }

  /** Milliseconds to add to the local clock to read the server's, or `null` before any exchange. */
  get offset(): number | null {
    const best = this.#best();
    if (!best) return null;
    // The server truncated its reading: on average it was half a resolution later.
    return best.serverTime + best.resolution / 2 - (best.sentAt + best.receivedAt) / 2;
  }

  /** Half-width, in ms, of the interval the true offset lies in; `null` before any exchange. */
  get uncertainty(): number | null {
    const best = this.#best();
    return best ? (best.receivedAt - best.sentAt) / 2 + best.resolution / 2 : null;
  }

  /** Forgets every exchange (a new time source). */
  clear(): void {
    this.#samples = [];
  }
}
