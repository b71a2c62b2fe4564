import type { Page } from 'playwright-core';

/**
 * Reads the capture-time strip (../shared/spec/timecode-strip.md) from every
 * frame a page presents, and pairs it with the player's own latency estimate
 * taken at the same moment.
 *
 * The probe runs inside the page: a frame is sampled in the
 * `requestVideoFrameCallback` for that frame, so the reading is the
 * glass-to-glass latency at presentation, not at some later poll.
 */

/** One presented frame. Times in milliseconds. */
export interface StripSample {
  /** `Date.now()` in the page when the frame was presented. */
  at: number;
  /** Capture-to-presentation latency read from the strip, or null for an unreadable frame (> 60 000 ms per the spec). */
  glassToGlassMs: number | null;
  /** The player's `liveLatency` at that moment (snapshot, converted to ms), or null if it has none. */
  estimateMs: number | null;
}

export interface StripProbeOptions {
  /** CSS selector of a `<video>`, or of an element exposing `video` (such as `<ll-player>`). */
  selector: string;
}

interface ProbeHost {
  video?: HTMLVideoElement;
  player?: { getSnapshot(): { liveLatency: number | null } };
}

/**
 * In-page part. Self-contained on purpose: Playwright serializes it into the
 * page, so it may not close over anything in this module.
 */
function installInPage({ selector }: StripProbeOptions): void {
  const host = document.querySelector(selector) as (Element & ProbeHost) | null;
  if (host === null) throw new Error(`strip probe: no element matches ${selector}`);
  const video = host instanceof HTMLVideoElement ? host : host.video;
  if (!(video instanceof HTMLVideoElement)) throw new Error(`strip probe: ${selector} has no video`);

  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('strip probe: no 2d canvas');
  const samples: StripSample[] = [];
  const TWO_32 = 2 ** 32;

  const readStamp = (): number | null => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (width === 0 || height === 0) return null;
    // Only the strip row is drawn, at natural scale: the same pixels as the
    // spec's full-frame draw, at a fraction of the cost.
    const stripWidth = Math.ceil((1024 * width) / 1280);
    const y = Math.floor((16 * height) / 720);
    if (canvas.width !== stripWidth || canvas.height !== 1) {
      canvas.width = stripWidth;
      canvas.height = 1;
    }
    context.drawImage(video, 0, y, stripWidth, 1, 0, 0, stripWidth, 1);
    const row = context.getImageData(0, 0, stripWidth, 1).data;
    let value = 0;
    for (let i = 0; i < 32; i++) {
      const x = Math.floor(((32 * i + 16) * width) / 1280);
      const luma = (row[4 * x]! + row[4 * x + 1]! + row[4 * x + 2]!) / 3;
      // Multiply, not shift: JavaScript's << is signed 32-bit.
      value = value * 2 + (luma > 128 ? 1 : 0);
    }
    return value;
  };

  const onFrame = (): void => {
    const at = Date.now();
    const stamp = readStamp();
    let glassToGlassMs: number | null = null;
    if (stamp !== null) {
      const latency = ((at % TWO_32) - stamp + TWO_32) % TWO_32;
      glassToGlassMs = latency > 60_000 ? null : latency;
    }
    const estimate = host.player?.getSnapshot().liveLatency ?? null;
    samples.push({ at, glassToGlassMs, estimateMs: estimate === null ? null : estimate * 1000 });
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  (window as unknown as { __stripSamples: StripSample[] }).__stripSamples = samples;
}

/** Installs the probe on `page` for the element matching `options.selector`. */
export async function installStripProbe(page: Page, options: StripProbeOptions): Promise<void> {
  await page.evaluate(installInPage, options);
}

/** Takes (and clears) the samples the probe collected so far. */
export async function takeStripSamples(page: Page): Promise<StripSample[]> {
  return page.evaluate(() => {
    const samples = (window as unknown as { __stripSamples?: StripSample[] }).__stripSamples;
    if (samples === undefined) throw new Error('strip probe not installed');
    return samples.splice(0, samples.length);
  });
}
