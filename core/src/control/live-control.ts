import { AbrController, DEFAULT_ABR, type AbrRendition, type AbrSettings } from './abr.js';
import { CatchUpController, DEFAULT_CATCH_UP, type CatchUpSettings } from './catch-up.js';
import { DEFAULT_AUTO_TARGET, DeliveryTracker, type AutoTargetSettings } from './target-latency.js';

/** Seconds after a seek before another: a seek takes a few frames to show in `currentTime`. */
const SEEK_SETTLE = 1;
/** Seconds of playing before delivery statistics are taken (start-up and after a stall). */
const SETTLE = 0.5;
/**
 * Seconds of waiting (loading or stalled, not paused) after which latency
 * more than `maxDrift` over the target is jumped although nothing plays: a
 * stall that a hole in the buffer or a segment that never came keeps from
 * ending by itself (seen in Storybook on a starved machine: stalled 30 s,
 * latency rising 1 s per second, after two 404s).
 */
const STUCK_AFTER = 3;

/** Settings of {@link LiveControlLoop}; every field has a default. Seconds throughout. */
export interface LiveControlSettings {
  /** Playback-rate control. */
  readonly catchUp: CatchUpSettings;
  /** Automatic target latency and buffer floor. */
  readonly autoTarget: AutoTargetSettings;
  /** Adaptive bitrate. */
  readonly abr: AbrSettings;
  /**
   * Latency this far above the target is not walked in with the rate (it would
   * take `maxDrift / 0.15` seconds at 1.15x) but jumped: a seek to the target.
   * @defaultValue 1.5
   */
  readonly maxDrift: number;
  /**
   * After a stall, or when the page becomes visible again, latency this far
   * above the target is skipped at once within the buffered media.
   * @defaultValue 0.3
   */
  readonly skipAfterStall: number;
  /**
   * Time constant, in seconds, of the low-pass filter on the latency reading
   * (the playhead advances in frame steps and the clock reading in milliseconds).
   * @defaultValue 0.2
   */
  readonly latencySmoothing: number;
}

/** Defaults of {@link LiveControlSettings}. */
export const DEFAULT_LIVE_CONTROL: LiveControlSettings = {
  catchUp: DEFAULT_CATCH_UP,
  autoTarget: DEFAULT_AUTO_TARGET,
  abr: DEFAULT_ABR,
  maxDrift: 1.5,
  skipAfterStall: 0.3,
  latencySmoothing: 0.2,
};

/** What the loop sees at each tick. Seconds throughout. */
export interface LiveControlInput {
  /** Monotonic clock, seconds. */
  readonly now: number;
  /** Live latency measured now (unfiltered), or `null` when unknown. */
  readonly latency: number | null;
  /** Media buffered ahead of the playhead. */
  readonly bufferAhead: number;
  /** Whether the playhead is advancing (not paused, stalled or loading). */
  readonly playing: boolean;
  /** Whether playback is wanted but the playhead does not advance: loading or stalled, not paused. */
  readonly waiting: boolean;
  /** The video ladder. */
  readonly renditions: readonly AbrRendition[];
  /** Whether ABR chooses the rendition (the page has not fixed one). */
  readonly autoQuality: boolean;
  /** Bits/s that audio takes from the same link. */
  readonly otherBandwidth: number;
}

/** What the loop decided at a tick. */
export interface LiveControlDecision {
  /** The playback rate to play at. */
  readonly playbackRate: number;
  /** Seconds to move the playhead forward now (skip), or `null`. */
  readonly seekBy: number | null;
  /** The target latency in force, seconds. */
  readonly targetLatency: number;
  /** The filtered live latency, seconds, or `null`. */
  readonly latency: number | null;
  /** Buffer ahead under which playback slows down, seconds. */
  readonly bufferFloor: number;
  /** A rendition to request from now on, or `null` for no change. */
  readonly rendition: string | null;
}

/**
 * The player's live control, one object per loaded stream and free of the
 * DOM: the browser's latency controller and the simulator both drive it with
 * a tick every few tens of milliseconds and with events (stalls, throughput
 * samples, the page becoming visible). Each tick it
 * 1. filters the latency reading and records the edge latency (latency −
 *    buffer ahead) for the {@link DeliveryTracker};
 * 2. sets the target: the page's fixed target, or the automatic one;
 * 3. decides a skip: latency more than `maxDrift` over the target, or more
 *    than `skipAfterStall` over it right after a stall or a return to the
 *    page (then only within what is buffered);
 * 4. sets the playback rate with the {@link CatchUpController};
 * 5. lets the {@link AbrController} pick the rendition when quality is automatic.
 */
export class LiveControlLoop {
  readonly #settings: LiveControlSettings;
  readonly #catchUp: CatchUpController;
  readonly #delivery: DeliveryTracker;
  readonly #abr: AbrController;
  #fixedTarget: number | null;
  #filtered: number | null = null;
  #lastTick: number | null = null;
  #requested: string | null = null;
  /** Set by a stall or a return to the page: the next playing tick may skip within the buffer. */
  #skipPending = false;
  /** No new seek before this time (seconds): the last one needs time to land in the reading. */
  #noSeekUntil = Number.NEGATIVE_INFINITY;
  /** When the playhead last started advancing (seconds), or `null` while it is not. */
  #playingSince: number | null = null;
  /** Since when the player has been waiting (or since its last jump while waiting), seconds. */
  #waitingSince: number | null = null;

  /** @param fixedTarget - the page's target latency in seconds, or `null` for the automatic target. */
  constructor(fixedTarget: number | null, settings: LiveControlSettings = DEFAULT_LIVE_CONTROL) {
    this.#settings = settings;
    this.#fixedTarget = fixedTarget;
    this.#catchUp = new CatchUpController(settings.catchUp);
    this.#delivery = new DeliveryTracker(settings.autoTarget);
    this.#abr = new AbrController(settings.abr);
  }

  /** Fixes the target latency (seconds), or returns to the automatic target with `null`. */
  setTargetLatency(seconds: number | null): void {
    this.#fixedTarget = seconds;
  }

  /** The target latency in force now, seconds. */
  get targetLatency(): number {
    return this.#fixedTarget ?? this.#delivery.targetLatency;
  }

  /** The throughput estimate in bits/s, or `null` before the first sample. */
  get throughput(): number | null {
    return this.#abr.throughput;
  }

  /** Playback stalled at `now`: the automatic target rises, ABR holds off switching up. */
  onStall(now: number): void {
    this.#delivery.addStall(now);
    this.#abr.addStall(now);
    this.#catchUp.reset();
    this.#skipPending = true;
  }

  /** The page became visible again after being hidden (playback may have been suspended). */
  onVisible(): void {
    this.#skipPending = true;
  }

  /** A throughput sample measured per chunk: `bitsPerSecond` over `mediaSeconds` of media. */
  onThroughput(bitsPerSecond: number, mediaSeconds: number): void {
    this.#abr.addThroughput(bitsPerSecond, mediaSeconds);
  }

  /** The rendition the engine plays now changed under the loop (the page fixed one, or a new stream). */
  onRendition(id: string | null): void {
    this.#requested = id;
  }

  /** Runs one control step. */
  tick(input: LiveControlInput): LiveControlDecision {
    const s = this.#settings;
    const dt = this.#lastTick === null ? 0 : Math.min(1, Math.max(0, input.now - this.#lastTick));
    this.#lastTick = input.now;
    const latency = this.#filter(input.latency, dt, input.now);
    this.#playingSince = input.playing ? (this.#playingSince ?? input.now) : null;
    // Delivery is judged only in steady playback: in the first moments of playing (the
    // engine may still be moving to its start position) and while a seek lands, the
    // playhead and the buffer do not describe delivery.
    const steady = this.#playingSince !== null && input.now - this.#playingSince >= SETTLE && input.now >= this.#noSeekUntil;
    if (input.latency !== null && steady) this.#delivery.addEdgeLatency(input.now, input.latency - input.bufferAhead);
    const autoTarget = this.#delivery.update(input.now);
    const targetLatency = this.#fixedTarget ?? autoTarget;
    const bufferFloor = this.#delivery.bufferFloor;
    let seekBy: number | null = null;
    let playbackRate = this.#catchUp.playbackRate;

    this.#waitingSince = input.waiting ? (this.#waitingSince ?? input.now) : null;
    // Waiting this long, the stall is not ending by itself: only the drift jump applies.
    const stuck = this.#waitingSince !== null && input.now - this.#waitingSince >= STUCK_AFTER;
    if (latency !== null && (input.playing || stuck)) {
      const excess = latency - targetLatency;
      if (input.now < this.#noSeekUntil) {
        // The last seek has not shown in the reading yet.
      } else if (excess > s.maxDrift) {
        seekBy = excess;
      } else if (input.playing && this.#skipPending && excess > s.skipAfterStall) {
        // Only what is already buffered: a seek past it would refetch and stall again.
        const skippable = Math.min(excess, input.bufferAhead - bufferFloor);
        if (skippable > s.skipAfterStall / 2) seekBy = skippable;
      }
      if (input.playing) this.#skipPending = false;
      if (seekBy !== null) {
        this.#noSeekUntil = input.now + SEEK_SETTLE;
        this.#catchUp.reset();
        playbackRate = 1;
        // Still stuck after the jump: counted again from here.
        if (stuck) this.#waitingSince = input.now;
      } else if (input.playing) {
        playbackRate = this.#catchUp.update({ latency, targetLatency, bufferAhead: input.bufferAhead, bufferFloor, dt });
      }
    }

    let rendition: string | null = null;
    if (input.autoQuality && input.renditions.length > 0) {
      const choice = this.#abr.choose({
        now: input.now,
        renditions: input.renditions,
        current: this.#requested,
        otherBandwidth: input.otherBandwidth,
      });
      if (choice !== null && choice !== this.#requested) {
        this.#requested = choice;
        rendition = choice;
      }
    }
    return { playbackRate, seekBy, targetLatency, latency, bufferFloor, rendition };
  }

  #filter(raw: number | null, dt: number, now: number): number | null {
    if (raw === null || !Number.isFinite(raw)) {
      this.#filtered = null;
      return null;
    }
    // While a seek lands the reading jumps: follow it unfiltered.
    if (this.#filtered === null || now < this.#noSeekUntil) {
      this.#filtered = raw;
      return raw;
    }
    const alpha = 1 - Math.exp(-dt / this.#settings.latencySmoothing);
    this.#filtered += alpha * (raw - this.#filtered);
    return this.#filtered;
  }
}
