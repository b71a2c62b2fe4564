import type { Engine } from '../engine/engine.js';
import { DEFAULT_TARGET_LATENCY, LATENCY_SAMPLE_INTERVAL_MS, type PlayerSnapshot, type TargetLatencySource } from '../store/player-snapshot.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import { roundToMs, type Controller, type ControllerContext } from './controller.js';

/**
 * Owns the target latency (page option, else the manifest's
 * ServiceDescription, else the default) and hands it to the engine; samples
 * the engine's live latency, with the buffer ahead and playback rate that
 * explain it, every {@link LATENCY_SAMPLE_INTERVAL_MS} ms once a source is
 * loaded, and publishes them together.
 */
export class LatencyController implements Controller {
  #engine: Engine;
  #store: SnapshotStore<PlayerSnapshot>;
  #abort = new AbortController();
  #timer: ReturnType<typeof setInterval> | null = null;
  #optionTarget: number | null;
  #manifestTarget: number | null = null;

  /**
   * @param targetLatency - the page's target latency in seconds (already
   *   validated), or `null` to follow the manifest.
   */
  constructor({ engine, store }: ControllerContext, targetLatency: number | null) {
    this.#engine = engine;
    this.#store = store;
    this.#optionTarget = targetLatency;
    const { signal } = this.#abort;
    engine.on(
      'loadstart',
      () => {
        // A new source brings its own ServiceDescription; until it arrives the old one does not apply.
        this.#manifestTarget = null;
        this.#store.update({ liveLatency: null });
        this.#publishTarget();
        this.#startSampling();
      },
      { signal },
    );
    engine.on(
      'manifestloaded',
      ({ targetLatency: manifestTarget }) => {
        this.#manifestTarget = manifestTarget;
        this.#publishTarget();
      },
      { signal },
    );
    this.#publishTarget();
  }

  /** Sets the page's target latency in seconds (validated by the caller); `null` follows the manifest again. */
  setTargetLatency(seconds: number | null): void {
    this.#optionTarget = seconds;
    this.#publishTarget();
  }

  #publishTarget(): void {
    let targetLatency = DEFAULT_TARGET_LATENCY;
    let targetLatencySource: TargetLatencySource = 'default';
    if (this.#optionTarget !== null) {
      targetLatency = this.#optionTarget;
      targetLatencySource = 'option';
    } else if (this.#manifestTarget !== null) {
      targetLatency = this.#manifestTarget;
      targetLatencySource = 'manifest';
    }
    this.#store.update({ targetLatency, targetLatencySource });
    this.#engine.setTargetLatency(targetLatency);
  }

  #startSampling(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#sample(), LATENCY_SAMPLE_INTERVAL_MS);
  }

  #sample(): void {
    const liveLatency = this.#engine.getLiveLatency();
    this.#store.update({
      liveLatency: liveLatency === null ? null : roundToMs(liveLatency),
      bufferAhead: roundToMs(this.#engine.getBufferAhead()),
      playbackRate: this.#engine.getPlaybackRate(),
    });
  }

  destroy(): void {
    this.#abort.abort();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
