import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../src/browser.js';
import { summarize } from '../src/stats.js';
import { installStripProbe, takeStripSamples } from '../src/strip-probe.js';

/**
 * Plays, in a `<video>`, a canvas stream of `width` x `height` frames: each
 * carries a strip stamped `stampAgeMs` before it is painted, or no strip at
 * all (all white, which decodes as a time decades away) when it is null.
 */
async function playCanvasStream(page: Page, options: { width: number; height: number; stampAgeMs: number | null }): Promise<void> {
  await page.setContent('<video muted autoplay playsinline></video>');
  await page.evaluate(async ({ width, height, stampAgeMs }) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d')!;
    const block = (32 * width) / 1280;
    const paint = () => {
      g.fillStyle = stampAgeMs === null ? '#fff' : '#808080';
      g.fillRect(0, 0, width, height);
      if (stampAgeMs !== null) {
        const stamp = (Date.now() - stampAgeMs) % 2 ** 32;
        for (let i = 0; i < 32; i++) {
          g.fillStyle = Math.floor(stamp / 2 ** (31 - i)) % 2 ? '#fff' : '#000';
          g.fillRect(block * i, 0, block, block);
        }
      }
      requestAnimationFrame(paint);
    };
    paint();
    const video = document.querySelector('video')!;
    video.srcObject = canvas.captureStream(30);
    await video.play();
  }, options);
}

// The reader that judges the player is itself checked first: a canvas stream
// painted with a stamp a known age reads back as that age.
describe('installStripProbe', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reads a strip painted 400 ms in the past as about 400 ms, at a scaled 640x360 frame', async () => {
    const page = await browser.context.newPage();
    await playCanvasStream(page, { width: 640, height: 360, stampAgeMs: 400 });
    await installStripProbe(page, { selector: 'video' });
    await page.waitForTimeout(2000);
    const readings = (await takeStripSamples(page)).flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));

    expect(readings.length).toBeGreaterThan(10);
    const { p50 } = summarize(readings);
    // The canvas frame reaches the video a frame or two after it is painted.
    expect(p50).toBeGreaterThanOrEqual(390);
    expect(p50).toBeLessThan(550);
    await page.close();
  });

  it('reports a frame without a strip as unreadable, not as latency', async () => {
    const page = await browser.context.newPage();
    await playCanvasStream(page, { width: 320, height: 180, stampAgeMs: null });
    await installStripProbe(page, { selector: 'video' });
    await page.waitForTimeout(1000);
    const samples = await takeStripSamples(page);

    expect(samples.length).toBeGreaterThan(5);
    expect(samples.every((s) => s.glassToGlassMs === null)).toBe(true);
    await page.close();
  });
});
