import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/**
 * Reads the capture-time strip (../shared/spec/timecode-strip.md) from every
 * frame a page presents, and pairs it with the player's own latency estimate
 * taken at the same moment.
 *
 * The probe runs inside the page (strip-probe.browser.js): a frame is sampled
 * in the `requestVideoFrameCallback` for that frame, so the reading is the
 * glass-to-glass latency at presentation, not at some later poll.
 */

/** One presented frame. Times in milliseconds. */
export interface StripSample {
  /** `Date.now()` in the page when the frame was presented. */
  at: number;
  /** Capture-to-presentation latency read from the strip, or null for an unreadable frame (> 60 000 ms per the spec). */
  glassToGlassMs: number | null;
  /**
   * The player's own latency estimate at that moment, converted to ms, or null if it has none:
   * `<ll-player>`'s snapshot `liveLatency`, else on a bench page (dash.js, Shaka) the page's
   * `__bench.liveLatencyEstimate`.
   */
  estimateMs: number | null;
  /** The frame's presentation time on the media timeline, seconds (`requestVideoFrameCallback`'s `mediaTime`). */
  mediaTime: number;
}

export interface StripProbeOptions {
  /** CSS selector of a `<video>`, or of an element exposing `video` (such as `<ll-player>`). */
  selector: string;
}

/** Installs the probe on `page` for the element matching `options.selector`. */
export async function installStripProbe(page: Page, options: StripProbeOptions): Promise<void> {
  await page.addScriptTag({ path: fileURLToPath(new URL('./strip-probe.browser.js', import.meta.url)) });
  await page.evaluate((opts) => (window as unknown as { __installStripProbe(o: StripProbeOptions): void }).__installStripProbe(opts), options);
}

/** Takes (and clears) the samples the probe collected so far. */
export async function takeStripSamples(page: Page): Promise<StripSample[]> {
  return page.evaluate(() => {
    const samples = (window as unknown as { __stripSamples?: StripSample[] }).__stripSamples;
    if (samples === undefined) throw new Error('strip probe not installed');
    return samples.splice(0, samples.length);
  });
}
