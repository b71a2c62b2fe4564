import { DEFAULT_LIVE_CONTROL, LiveControlLoop, type LiveControlSettings } from '../control/live-control.js';

/** One step of a bandwidth profile (the shape of ../shared/bench/network-profiles.json). */
export interface BandwidthStep {
  /** Download throughput, kilobits per second. */
  readonly kbps: number;
  /** Duration of the step, seconds. */
  readonly seconds: number;
}

/** The simulated stream, network and player. Seconds and bits/s throughout. */
export interface SimulationOptions {
  /** Simulated seconds of playback. */
  readonly duration: number;
  /** Fixed target latency, or `null` for the automatic target. @defaultValue null */
  readonly targetLatency?: number | null;
  /** Live latency the player starts at (dash.js's start position). @defaultValue the loop's first target */
  readonly startLatency?: number;
  /** Frames per second; one CMAF chunk per frame, as the origin packages. @defaultValue 25 */
  readonly fps?: number;
  /** Segment duration; rendition switches take effect at segment starts. @defaultValue 1 */
  readonly segmentDuration?: number;
  /** Capture to chunk-at-origin delay (encode and packaging). @defaultValue 0.05 */
  readonly encodeDelay?: number;
  /** One-way network delay after the bottleneck. @defaultValue 0.005 */
  readonly propagationDelay?: number;
  /** Video ladder, bits/s. @defaultValue the origin's 250k/600k/1M/2.5M ladder */
  readonly renditions?: readonly { id: string; bandwidth: number }[];
  /** Audio bits/s on the same link. @defaultValue 128 000 */
  readonly audioBandwidth?: number;
  /** Bandwidth steps, looped from the moment the player joins; empty means unlimited. @defaultValue [] */
  readonly profile?: readonly BandwidthStep[];
  /** Each chunk arrives up to this much later, uniformly at random (order kept). @defaultValue 0 */
  readonly jitter?: number;
  /** Intervals `[start, end)`, seconds after the player joined, during which nothing is delivered. @defaultValue [] */
  readonly outages?: readonly (readonly [number, number])[];
  /** Error of the player's clock against the producer's, added to every latency reading. @defaultValue 0 */
  readonly clockError?: number;
  /** Seed of the jitter's random numbers. @defaultValue 1 */
  readonly seed?: number;
  /** Loop settings. @defaultValue DEFAULT_LIVE_CONTROL */
  readonly settings?: LiveControlSettings;
  /** Seconds between control ticks (the browser's is 0.05). @defaultValue 0.05 */
  readonly tickInterval?: number;
  /**
   * Buffer ahead, in seconds, at which the modelled browser stops playing
   * (and above which, plus a chunk, it starts again): Chromium 156 stalled
   * with 44 to 137 ms still buffered on the demo stream (see
   * `AutoTargetSettings.rendererReserve`).
   * @defaultValue 0.1
   */
  readonly rendererReserve?: number;
}

/** One control tick's state, for plots and assertions. */
export interface SimulationSample {
  readonly time: number;
  /** True live latency (now − capture time of the frame on screen). */
  readonly latency: number;
  readonly targetLatency: number;
  readonly bufferAhead: number;
  readonly playbackRate: number;
  readonly rendition: string;
  readonly playing: boolean;
}

/** What a run produced. */
export interface SimulationResult {
  readonly samples: readonly SimulationSample[];
  readonly stallCount: number;
  /** When each stall began, seconds after the player joined. */
  readonly stallStarts: readonly number[];
  /** Total seconds spent stalled (after the first frame). */
  readonly stallTime: number;
  /** How many times the playback rate changed. */
  readonly rateChanges: number;
  /** How many times the rate crossed 1 from one side to the other (oscillation). */
  readonly rateReversals: number;
  readonly seeks: number;
  readonly renditionSwitches: number;
  /** Time-weighted mean video bandwidth played, bits/s. */
  readonly meanBitrate: number;
  /** Seconds from start to the first frame. */
  readonly timeToFirstFrame: number | null;
}

const STEP = 0.005;
const DEFAULT_LADDER = [
  { id: '240p', bandwidth: 250_000 },
  { id: '360p', bandwidth: 600_000 },
  { id: '480p', bandwidth: 1_000_000 },
  { id: '720p', bandwidth: 2_500_000 },
];

/** mulberry32: a small seeded PRNG, so runs repeat exactly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Chunk {
  readonly start: number;
  readonly bits: number;
  readonly availableAt: number;
  sent: number;
  transferStartedAt: number | null;
}

/**
 * A deterministic model of chunked LL-DASH playback, run in fast simulated
 * time: the producer makes one chunk per frame (capture time = media time),
 * the origin has it `encodeDelay` later, one bottleneck link with a
 * bandwidth profile delivers chunks in order (plus jitter and outages), and a
 * playback buffer plays at the loop's rate and stalls when it runs down to
 * the browser's renderer reserve. The player's own control loop runs on it
 * exactly as in the browser: ticks, stall events, per-segment throughput
 * samples from per-chunk transfer times.
 */
export function simulateLive(options: SimulationOptions): SimulationResult {
  const fps = options.fps ?? 25;
  const chunk = 1 / fps;
  const segment = options.segmentDuration ?? 1;
  const encodeDelay = options.encodeDelay ?? 0.05;
  const propagation = options.propagationDelay ?? 0.005;
  const ladder = options.renditions ?? DEFAULT_LADDER;
  const audio = options.audioBandwidth ?? 128_000;
  const profile = options.profile ?? [];
  const cycle = profile.reduce((sum, step) => sum + step.seconds, 0);
  const outages = options.outages ?? [];
  const tickInterval = options.tickInterval ?? 0.05;
  const rand = random(options.seed ?? 1);
  const jitter = options.jitter ?? 0;
  const reserve = options.rendererReserve ?? 0.1;
  const loop = new LiveControlLoop(options.targetLatency ?? null, options.settings ?? DEFAULT_LIVE_CONTROL);

  // Profiles and outages run on the player's clock: t = 0 when it joins.
  const bandwidthAt = (t: number): number => {
    if (outages.some(([from, to]) => t >= from && t < to)) return 0;
    if (profile.length === 0 || cycle <= 0) return Number.POSITIVE_INFINITY;
    let at = t % cycle;
    for (const step of profile) {
      if (at < step.seconds) return step.kbps * 1000;
      at -= step.seconds;
    }
    return (profile[profile.length - 1]?.kbps ?? 0) * 1000;
  };

  // The player joins at t = 10 s of stream, so there is history to start behind the edge.
  let now = 10;
  const startLatency = options.startLatency ?? loop.targetLatency;
  let position = now - startLatency;
  let bufferEnd = position;
  let rendition = ladder.find((r) => r.bandwidth === Math.min(...ladder.map((l) => l.bandwidth)))?.id ?? '';
  let pendingRendition = rendition;
  const bandwidthOf = (id: string) => ladder.find((r) => r.id === id)?.bandwidth ?? 0;

  let queue: Chunk[] = [];
  let nextChunkStart = Math.floor(position / segment) * segment;
  let inFlight: { arrivesAt: number; end: number }[] = [];
  let lastArrival = 0;
  let segmentBits = 0;
  let segmentTransfer = 0;

  let playing = false;
  let started = false;
  let timeToFirstFrame: number | null = null;
  const joinedAt = now;
  const stallStarts: number[] = [];
  let stallTime = 0;
  let rate = 1;
  let rateChanges = 0;
  let rateReversals = 0;
  let lastSide = 0;
  let seeks = 0;
  let renditionSwitches = 0;
  let bitrateIntegral = 0;
  let playedTime = 0;
  let nextTick = now;
  const samples: SimulationSample[] = [];
  const end = now + options.duration;

  const restartDelivery = (from: number) => {
    queue = [];
    inFlight = [];
    nextChunkStart = Math.floor(from / segment) * segment;
    bufferEnd = from;
  };

  while (now < end) {
    // Producer: every chunk up to now is queued for the player once the origin has it.
    while (nextChunkStart + encodeDelay <= now) {
      if (Math.abs(nextChunkStart / segment - Math.round(nextChunkStart / segment)) < 1e-9) rendition = pendingRendition;
      queue.push({ start: nextChunkStart, bits: (bandwidthOf(rendition) + audio) * chunk, availableAt: nextChunkStart + encodeDelay, sent: 0, transferStartedAt: null });
      nextChunkStart = Math.round((nextChunkStart + chunk) * 1e6) / 1e6;
    }
    // The bottleneck link.
    const bandwidth = bandwidthAt(now - joinedAt);
    let capacity = bandwidth * STEP;
    while (queue.length > 0 && capacity > 0) {
      const head = queue[0]!;
      head.transferStartedAt ??= now;
      const send = Math.min(capacity, head.bits - head.sent);
      head.sent += send;
      capacity -= send;
      if (head.sent >= head.bits - 1e-6) {
        queue.shift();
        // The chunk's last bit left part-way through the step (at once on an unlimited link).
        const done = capacity === Number.POSITIVE_INFINITY ? now : now + STEP - capacity / bandwidth;
        const transfer = Math.max(done - head.transferStartedAt, 1e-4);
        segmentBits += head.bits;
        segmentTransfer += transfer;
        const arrivesAt = Math.max(lastArrival, done + propagation + rand() * jitter);
        lastArrival = arrivesAt;
        inFlight.push({ arrivesAt, end: head.start + chunk });
        // Segment complete: one throughput sample, as dash.js reports per segment from per-chunk times.
        if (Math.abs((head.start + chunk) / segment - Math.round((head.start + chunk) / segment)) < 1e-6) {
          loop.onThroughput(segmentBits / segmentTransfer, segment);
          segmentBits = 0;
          segmentTransfer = 0;
        }
      }
    }
    while (inFlight.length > 0 && inFlight[0]!.arrivesAt <= now) bufferEnd = Math.max(bufferEnd, inFlight.shift()!.end);

    // Playback.
    const ahead = bufferEnd - position;
    if (!playing) {
      if (ahead >= reserve + chunk - 1e-9) {
        playing = true;
        if (!started) {
          started = true;
          timeToFirstFrame = now - joinedAt;
        }
      } else if (started) {
        stallTime += STEP;
      }
    }
    if (playing) {
      const advance = rate * STEP;
      if (position + advance > bufferEnd - reserve) {
        position = Math.max(position, bufferEnd - reserve);
        playing = false;
        stallStarts.push(now - joinedAt);
        loop.onStall(now);
      } else {
        position += advance;
        bitrateIntegral += bandwidthOf(rendition) * STEP;
        playedTime += STEP;
      }
    }

    if (now >= nextTick - 1e-9) {
      nextTick += tickInterval;
      const trueLatency = now - position;
      const decision = loop.tick({
        now,
        latency: started ? trueLatency + (options.clockError ?? 0) : null,
        bufferAhead: Math.max(0, bufferEnd - position),
        playing,
        waiting: !playing,
        renditions: ladder,
        autoQuality: true,
        otherBandwidth: audio,
      });
      if (decision.playbackRate !== rate) {
        rateChanges++;
        rate = decision.playbackRate;
        const side = Math.sign(rate - 1);
        if (side !== 0) {
          if (lastSide !== 0 && side !== lastSide) rateReversals++;
          lastSide = side;
        }
      }
      if (decision.seekBy !== null) {
        seeks++;
        const to = position + decision.seekBy;
        if (to < bufferEnd) position = to;
        else {
          position = to;
          restartDelivery(to);
          playing = false;
        }
      }
      if (decision.rendition !== null && decision.rendition !== pendingRendition) {
        pendingRendition = decision.rendition;
        renditionSwitches++;
      }
      samples.push({ time: now - joinedAt, latency: trueLatency, targetLatency: decision.targetLatency, bufferAhead: Math.max(0, bufferEnd - position), playbackRate: rate, rendition, playing });
    }
    now = Math.round((now + STEP) * 1e6) / 1e6;
  }
  return {
    samples,
    stallCount: stallStarts.length,
    stallStarts,
    stallTime,
    rateChanges,
    rateReversals,
    seeks,
    renditionSwitches,
    meanBitrate: playedTime > 0 ? bitrateIntegral / playedTime : 0,
    timeToFirstFrame,
  };
}
