import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { LLPlayerElement } from '@llstream/vanilla';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForSteadyStream } from '../src/config.js';
import { useOriginAndBrowser } from '../src/fixture.js';
import { formatMeasurement, measureLatency } from '../src/measure.js';

// A page on another origin (its own little server) that loads <ll-player>
// from the classic-script bundle (dist/ll-player.iife.js) with one <script>
// tag, and plays the origin's demo stream across origins, as a site would.
// (Served for real, not routed: Chromium's local network access rules let a
// loopback page, not a routed one, fetch from the loopback origin.)
describe('<ll-player> from one classic script tag', () => {
  const env = useOriginAndBrowser();
  let site: Server;
  let siteUrl: string;
  beforeAll(async () => {
    const bundle = await readFile(createRequire(import.meta.url).resolve('@llstream/vanilla/ll-player.iife.js'));
    site = createServer((request, response) => {
      if (request.url === '/ll-player.iife.js') {
        // No charset on purpose: the bundle is ASCII, so its UI text survives servers that send none.
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>script tag</title>
<script src="/ll-player.iife.js"></script>
<ll-player src="${env.origin.url}/live/demo/manifest.mpd" muted autoplay controls style="width: 960px"></ll-player>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    site?.closeAllConnections();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('defines the element, shows its controls and plays the live stream under 1 s glass-to-glass; unload() and load() play it again', async () => {
    await waitForSteadyStream(env.origin.url, 'demo');
    const page = await env.browser.context.newPage();
    await page.goto(siteUrl);

    expect(await page.evaluate(() => customElements.get('ll-player') === (window as unknown as { LLStream: { LLPlayerElement: unknown } }).LLStream.LLPlayerElement)).toBe(true);
    const m = await measureLatency(page, { settleMs: 8000, durationMs: 10_000 });
    console.log(`<ll-player> from ll-player.iife.js over 10 s: ${formatMeasurement(m)}`);
    expect(m.glassToGlass.count).toBeGreaterThan(200);
    expect(m.glassToGlass.p50).toBeLessThan(1000);

    // The default UI is there and says what the player does.
    const ui = await page.evaluate(() => {
      const element = document.querySelector<LLPlayerElement>('ll-player')!;
      const part = (name: string) => element.shadowRoot!.querySelector<HTMLElement>(`[part="${name}"]`)!;
      return {
        controlsShown: getComputedStyle(part('controls')).display !== 'none',
        playLabel: part('play-button').getAttribute('aria-label'),
        latency: part('latency').textContent,
        paused: element.paused,
        currentTime: element.currentTime,
        liveEdge: element.liveEdge,
      };
    });
    expect(ui).toMatchObject({ controlsShown: true, playLabel: 'Pause', paused: false });
    expect(ui.latency).toMatch(/^Latency \d+\.\d\d s · target \d+\.\d\d s$/);
    // The live edge is ahead of the playhead by about the live latency.
    expect(ui.liveEdge - ui.currentTime).toBeGreaterThan(0);
    expect(ui.liveEdge - ui.currentTime).toBeLessThan(2);

    // unload() lets go of the stream (dash.js's MediaSource leaves the video) and keeps the player: load() plays again.
    const unloaded = await page.evaluate(() => {
      const element = document.querySelector<LLPlayerElement>('ll-player')!;
      const before = element.player;
      element.player!.unload();
      const { status, src } = element.player!.getSnapshot();
      return { status, src, samePlayer: element.player === before, videoSource: element.video.src, engine: element.player!.engine };
    });
    expect(unloaded).toEqual({ status: 'idle', src: null, samePlayer: true, videoSource: '', engine: null });
    await page.evaluate(() => {
      const element = document.querySelector<LLPlayerElement>('ll-player')!;
      element.player!.load(element.src);
    });
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot().status === 'playing', null, { timeout: 20_000 });
    await page.close();
  });
});
