import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Player } from '@llstream/react';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposeReactPlayer, startVitePreview, type PreviewServer } from '../fresh-apps/react/react-page.js';
import { waitForSteadyStream } from '../src/config.js';
import { useOriginAndBrowser } from '../src/fixture.js';
import { formatMeasurement, measureLatency } from '../src/measure.js';

const exampleDir = fileURLToPath(new URL('../../react/example/', import.meta.url));
const viteBin = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');

type PageWindow = Window & { __llPlayer: Player<unknown> };
const snapshot = (page: Page) => page.evaluate(() => ({ ...(window as unknown as PageWindow).__llPlayer.getSnapshot() }));

/** Presses Tab until the element matching `name` (an accessible name) has focus; fails after 20 presses. */
async function tabTo(page: Page, role: 'combobox' | 'button', name: string): Promise<void> {
  const target = page.getByRole(role, { name });
  for (let i = 0; i < 20; i++) {
    // The focused element as its own tree sees it: <ll-player>'s controls are in its shadow root.
    if (await target.evaluate((el) => el === (el.getRootNode() as Document | ShadowRoot).activeElement && el.matches(':focus'))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached the ${role} "${name}"`);
}

// The React example app (react/example, built by @llstream/react's build) as a
// user would run it: a Vite-built page, <LLPlayer> in StrictMode, the real
// origin's demo stream, judged by the capture-time strip.
describe('React example app', () => {
  const env = useOriginAndBrowser();
  let preview: PreviewServer;

  beforeAll(async () => {
    expect(existsSync(join(exampleDir, 'dist', 'index.html')), 'react/example/dist: run the @llstream/react build first').toBe(true);
    preview = await startVitePreview(viteBin, exampleDir);
  });
  afterAll(async () => {
    await preview?.stop();
  });

  it('plays the demo stream with the overlay showing the player estimate, both agreeing with the strip', async () => {
    await waitForSteadyStream(env.origin.url, 'demo');
    const page = await env.browser.context.newPage();
    await page.goto(`${preview.url}?src=${encodeURIComponent(`${env.origin.url}/live/demo/manifest.mpd`)}`);
    await exposeReactPlayer(page);
    const m = await measureLatency(page, { selector: 'll-player', settleMs: 5000, durationMs: 20_000 });
    console.log(`React example over 20 s: ${formatMeasurement(m)}`);
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/react-example.png' });

    expect(m.glassToGlass.count).toBeGreaterThan(400);
    // Well under a second on this saturated machine (a CI run read 583 ms at an automatic target
    // raised by load); how low the automatic target holds is bench:ingest's (test source row).
    expect(m.glassToGlass.p50).toBeLessThan(1000);
    expect(m.estimateError.count).toBeGreaterThan(400);
    expect(m.estimateError.p95).toBeLessThan(100);
    expect(m.snapshot).toMatchObject({ status: 'playing', muted: true });

    // A person reads the player's current estimate in the overlay. React renders a snapshot
    // after the player publishes it (the estimate moves by tens of ms a tick), so the text is
    // checked, in one task of the page, against the estimates published in the last 250 ms.
    await page.evaluate(() => {
      const player = (window as unknown as PageWindow).__llPlayer;
      const published: Array<[number, number | null]> = [];
      player.subscribe(() => published.push([performance.now(), player.getSnapshot().liveLatency]));
      Object.assign(window, { __published: published });
    });
    for (let i = 0; i < 3; i++) {
      await page.waitForTimeout(500);
      const { text, recent } = await page.evaluate(() => {
        const published = (window as unknown as { __published: Array<[number, number | null]> }).__published;
        const now = performance.now();
        return {
          text: document.querySelector('ll-player')?.shadowRoot?.querySelector('[part="latency"]')?.textContent ?? '',
          recent: published.filter(([at]) => now - at <= 250).map(([, latency]) => latency),
        };
      });
      const shown = Number(/Latency (\d+\.\d+) s/.exec(text)?.[1]);
      expect(recent.length, 'estimates published in the last 250 ms').toBeGreaterThan(0);
      // Shown to two decimals: one of them, to half a hundredth.
      expect(recent.some((latency) => latency !== null && Math.abs(shown - latency) <= 0.0051), `${text} vs ${recent.join(', ')}`).toBe(true);
    }
    await page.close();
  });

  it('is operated from the keyboard: the quality picker fixes a rendition and goes back to Auto, "Go live" resumes at live', async () => {
    const page = await env.browser.context.newPage();
    await page.goto(`${preview.url}?src=${encodeURIComponent(`${env.origin.url}/live/demo/manifest.mpd`)}&targetLatency=0.5`);
    await exposeReactPlayer(page);
    await page.waitForFunction(() => (window as unknown as PageWindow).__llPlayer.getSnapshot().status === 'playing', null, { timeout: 30_000 });

    const quality = page.getByRole('combobox', { name: 'Quality' });
    await tabTo(page, 'combobox', 'Quality');
    expect(await quality.inputValue()).toBe('auto');
    // The first entry after Auto is the highest rendition.
    await page.keyboard.press('ArrowDown');
    const ladder = (await snapshot(page)).renditions;
    expect(ladder.length).toBeGreaterThan(1);
    const highest = [...ladder].sort((a, b) => b.bandwidth - a.bandwidth)[0]!.id;
    // The picker shows the choice at once; the rendition on screen follows.
    expect((await snapshot(page)).quality).toBe(highest);
    expect(await quality.inputValue()).toBe(highest);
    await page.waitForFunction((id) => (window as unknown as PageWindow).__llPlayer.getSnapshot().rendition === id, highest, { timeout: 15_000 });
    expect(await quality.inputValue()).toBe(highest);
    await page.keyboard.press('ArrowUp');
    expect(await quality.inputValue()).toBe('auto');
    expect((await snapshot(page)).quality).toBe('auto');

    await page.evaluate(() => (window as unknown as PageWindow).__llPlayer.pause());
    await page.getByRole('button', { name: 'Go live' }).waitFor();
    await page.waitForTimeout(1500);
    await tabTo(page, 'button', 'Go live');
    await page.screenshot({ path: 'test-results/react-example-go-live.png' });
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => {
        const { status, liveLatency, targetLatency } = (window as unknown as PageWindow).__llPlayer.getSnapshot();
        return status === 'playing' && liveLatency !== null && liveLatency < targetLatency + 0.3;
      },
      null,
      { timeout: 10_000 },
    );
    await page.getByRole('button', { name: 'Go live' }).waitFor({ state: 'detached' });
    await page.close();
  });
});
