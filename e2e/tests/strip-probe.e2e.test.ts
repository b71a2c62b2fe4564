import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../src/browser.js';
import { summarize } from '../src/stats.js';
import { installStripProbe, takeStripSamples } from '../src/strip-probe.js';

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
    await page.setContent('<video muted autoplay playsinline></video>');
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 640;
      canvas.height = 360;
      const g = canvas.getContext('2d')!;
      const paint = () => {
        const stamp = (Date.now() - 400) % 2 ** 32;
        g.fillStyle = '#808080';
        g.fillRect(0, 0, 640, 360);
        // Blocks are 32 px at 1280x720, so 16 px here.
        for (let i = 0; i < 32; i++) {
          const bit = Math.floor(stamp / 2 ** (31 - i)) % 2;
          g.fillStyle = bit ? '#fff' : '#000';
          g.fillRect(16 * i, 0, 16, 16);
        }
        requestAnimationFrame(paint);
      };
      paint();
      const video = document.querySelector('video')!;
      video.srcObject = canvas.captureStream(30);
      await video.play();
    });
    await installStripProbe(page, { selector: 'video' });
    await page.waitForTimeout(2000);
    const samples = await takeStripSamples(page);
    const readings = samples.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));

    expect(readings.length).toBeGreaterThan(10);
    const { p50 } = summarize(readings);
    // The canvas frame reaches the video a frame or two after it is painted.
    expect(p50).toBeGreaterThanOrEqual(390);
    expect(p50).toBeLessThan(550);
    await page.close();
  });

  it('reports a frame without a strip as unreadable, not as latency', async () => {
    const page = await browser.context.newPage();
    await page.setContent('<video muted autoplay playsinline></video>');
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 180;
      const g = canvas.getContext('2d')!;
      const paint = () => {
        // All white decodes as 0xFFFFFFFF: decades away from now.
        g.fillStyle = '#fff';
        g.fillRect(0, 0, 320, 180);
        requestAnimationFrame(paint);
      };
      paint();
      const video = document.querySelector('video')!;
      video.srcObject = canvas.captureStream(30);
      await video.play();
    });
    await installStripProbe(page, { selector: 'video' });
    await page.waitForTimeout(1000);
    const samples = await takeStripSamples(page);

    expect(samples.length).toBeGreaterThan(5);
    expect(samples.every((s) => s.glassToGlassMs === null)).toBe(true);
    await page.close();
  });
});
