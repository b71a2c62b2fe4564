import { DEFAULT_LIVE_CONTROL, LiveControlLoop, type LiveControlSettings } from '../control/live-control.js';
import type { Engine } from '../engine/engine.js';
import { LATENCY_SAMPLE_INTERVAL_MS, type PlayerSnapshot } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import { roundToMs, type Controller, type ControllerContext } from './controller.js';

/** Bits/s assumed for audio beside the video until the stream says otherwise (the origin's AAC default). */
const AUDIO_BANDWIDTH = 128_000;

/**
 * Measures live latency and runs the player's live control in the page.
 *
 * Every {@link LATENCY_SAMPLE_INTERVAL_MS} ms once a source is loaded it
 * reads the latency (the server's time, from the local clock and
 * `clockOffset`, minus the engine's producer time of the frame at the
 * playhead), the buffer ahead and the playing state; runs a
 * {@link LiveControlLoop} tick; applies its playback rate, skip and
 * rendition to the engine; and publishes latency, target, buffer ahead and
 * floor, rate, throughput and dropped frames. Stalls, throughput samples and
 * the page becoming visible again are passed to the loop as they happen.
 */
export class LatencyController implements Controller {
  #engine: Engine;
  #store: SnapshotStore<PlayerSnapshot>;
  #abort = new AbortController();
  #timer: ReturnType<typeof setInterval> | null = null;
  #fixedTarget: number | null;
  #loop: LiveControlLoop;
  #appliedRate = 1;
  #engineTarget: number | null = null;

  /**
   * @param targetLatency - the page's fixed target in seconds (already
   *   validated), or `null` for the automatic target.
   */
  constructor({ engine, store, bus }: ControllerContext, targetLatency: number | null, settings: LiveControlSettings = DEFAULT_LIVE_CONTROL) {
    this.#engine = engine;
    this.#store = store;
    this.#fixedTarget = targetLatency;
    this.#loop = new LiveControlLoop(targetLatency, settings);
    const { signal } = this.#abort;
    engine.on(
      'loadstart',
      ({ resume }) => {
        // A new stream (or the same one after its publisher restarted) has new delivery statistics.
        this.#loop = new LiveControlLoop(this.#fixedTarget, settings);
        this.#appliedRate = 1;
        if (!resume) store.update({ throughput: null });
        store.update({ liveLatency: null, playbackRate: 1 });
        this.#publishTarget(this.#loop.targetLatency);
        this.#startTicking();
      },
      { signal },
    );
    engine.on('throughput', ({ bitsPerSecond, mediaSeconds }) => this.#loop.onThroughput(bitsPerSecond, mediaSeconds), { signal });
    engine.on(
      'unload',
      () => {
        this.#stopTicking();
        this.#appliedRate = 1;
        store.update({ liveLatency: null, playbackRate: 1, bufferAhead: 0, throughput: null });
      },
      { signal },
    );
    bus.on('stall', ({ at }) => this.#loop.onStall(at), { signal });
    bus.on(
      'qualitychange',
      ({ quality }) => {
        // Back to automatic quality: ABR starts from its estimate rather than from the page's choice.
        if (quality === 'auto') this.#loop.onRendition(null);
      },
      { signal },
    );
    const document = globalThis.document as Document | undefined;
    document?.addEventListener(
      'visibilitychange',
      () => {
        if (document.visibilityState === 'visible') this.#loop.onVisible();
      },
      { signal },
    );
    this.#publishTarget(this.#loop.targetLatency);
  }

  /** Fixes the target latency in seconds (validated by the caller), or `null` for the automatic target. */
  setTargetLatency(seconds: number | null): void {
    this.#fixedTarget = seconds;
    this.#loop.setTargetLatency(seconds);
    this.#publishTarget(this.#loop.targetLatency);
  }

  /** Jumps to the target latency now: a skip when the latency is known, else the engine's own jump. */
  seekToLive(): void {
    const { liveLatency, targetLatency } = this.#store.getSnapshot();
    if (liveLatency !== null && liveLatency > targetLatency) this.#engine.seekBy(liveLatency - targetLatency);
    else if (liveLatency === null) this.#engine.seekToLive();
  }

  #publishTarget(targetLatency: number): void {
    const rounded = roundToMs(targetLatency);
    this.#store.update({ targetLatency: rounded, targetLatencySource: this.#fixedTarget === null ? 'auto' : 'option' });
    // The engine's start position and fallback jump; it needs no update for every millisecond of drift.
    if (this.#engineTarget === null || Math.abs(this.#engineTarget - rounded) >= 0.05) {
      this.#engineTarget = rounded;
      this.#engine.setTargetLatency(rounded);
    }
  }

  #startTicking(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#tick(), LATENCY_SAMPLE_INTERVAL_MS);
  }

  #measureLatency(): number | null {
    const producerTime = this.#engine.getProducerTime();
    if (producerTime === null) return null;
    const serverNow = Date.now() + this.#store.getSnapshot().clockOffset * 1000;
    return (serverNow - producerTime) / 1000;
  }

  #tick(): void {
    const snapshot = this.#store.getSnapshot();
    const latency = this.#measureLatency();
    const bufferAhead = this.#engine.getBufferAhead();
    const decision = this.#loop.tick({
      now: performance.now() / 1000,
      latency,
      bufferAhead,
      playing: snapshot.status === 'playing',
      waiting: snapshot.status === 'loading' || snapshot.status === 'stalled',
      renditions: snapshot.renditions,
      autoQuality: snapshot.quality === 'auto',
      otherBandwidth: AUDIO_BANDWIDTH,
    });
    if (snapshot.status === 'playing' && decision.playbackRate !== this.#appliedRate) {
      this.#appliedRate = decision.playbackRate;
      this.#engine.setPlaybackRate(decision.playbackRate);
    }
    if (decision.seekBy !== null) this.#engine.seekBy(decision.seekBy);
    if (decision.rendition !== null) this.#engine.setRendition(decision.rendition);
    this.#publishTarget(decision.targetLatency);
    const throughput = this.#loop.throughput;
    this.#store.update({
      liveLatency: latency === null ? null : roundToMs(latency),
      bufferAhead: roundToMs(bufferAhead),
      bufferFloor: roundToMs(decision.bufferFloor),
      playbackRate: this.#engine.getPlaybackRate(),
      throughput: throughput === null ? null : Math.round(throughput),
      droppedFrames: this.#engine.getDroppedFrames(),
    });
  }

  #stopTicking(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  destroy(): void {
    this.#abort.abort();
    this.#stopTicking();
  }
}
