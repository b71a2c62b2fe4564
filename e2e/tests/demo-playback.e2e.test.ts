import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { LLPlayerElement } from '@llstream/vanilla';
import { describe, expect, it } from 'vitest';
import { waitForSteadyStream } from '../src/config.js';
import { useOriginAndBrowser } from '../src/fixture.js';
import { formatMeasurement, measureLatency } from '../src/measure.js';
import { openPlayingPage } from '../src/recovery.js';
import { percentile, summarize } from '../src/stats.js';
import { takeStripSamples } from '../src/strip-probe.js';

function processesMentioning(text: string): string {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

// The main job, end to end: real ffmpeg test source -> real origin -> the demo
// page's <ll-player> in headless Chromium, judged by the capture-time strip.
describe('demo page', () => {
  const env = useOriginAndBrowser();

  it('plays the test pattern at its automatic target under 1 s glass-to-glass, with the player estimate within 100 ms of the strip', async () => {
    await waitForSteadyStream(env.origin.url, 'demo');
    const page = await env.browser.context.newPage();
    await page.goto(`${env.origin.url}/`);

    const m = await measureLatency(page, { settleMs: 5000, durationMs: 30_000 });
    console.log(`demo page over 30 s: ${formatMeasurement(m)}`);
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/demo-page.png' });

    // 30 fps for 30 s: most frames must have been presented and readable.
    expect(m.glassToGlass.count).toBeGreaterThan(600);
    expect(m.glassToGlass.p95).toBeLessThan(1000);
    expect(m.snapshot.targetLatencySource).toBe('auto');
    expect(m.estimateError.count).toBeGreaterThan(600);
    // The MPD's captured PRFT is the strip's clock: what is left is presentation time
    // (a frame or two) and clock sync (p95 41-131 ms on a busy machine, see the README).
    expect(m.estimateError.p95).toBeLessThan(100);

    // A person sees the player's current estimate in the readout. The element
    // renders each snapshot as the player publishes it, so the text and the
    // snapshot are read in one task of the page: two separate reads would
    // straddle an update (the estimate moves by tens of ms between them).
    for (let i = 0; i < 3; i++) {
      const { text, estimate } = await page.evaluate(() => {
        const el = document.querySelector<LLPlayerElement>('ll-player')!;
        return {
          text: el.shadowRoot!.querySelector('[part="latency"]')!.textContent,
          estimate: el.player!.getSnapshot().liveLatency,
        };
      });
      const shown = Number(/(\d+\.\d+)\s*s/.exec(text ?? '')?.[1]);
      expect(estimate).not.toBeNull();
      // Shown to two decimals: at most half a hundredth off.
      expect(Math.abs(shown - estimate!)).toBeLessThanOrEqual(0.005 + 1e-9);
      await page.waitForTimeout(500);
    }
    await page.close();
  });

  // A fixed target well away from the automatic one (about 0.3 s on this
  // stream), so the test tells an honoured option from an ignored one, with
  // room to hold it while the machine is saturated. How close the player
  // holds a 0.3 s target, where the buffer floor and the encoder's delivery
  // leave a few tens of ms, is a latency target: \`npm run bench:latency\`
  // measures it (e2e/results/latency.md); here it read 315-340 ms at p50 on
  // CI runs, once with an excursion to 561 ms at p95 under load.
  it('holds a fixed 0.8 s target for 60 s: its reading on the target, the picture agreeing, no stall', async () => {
    await waitForSteadyStream(env.origin.url, 'demo');
    const page = await env.browser.context.newPage();
    await page.goto(`${env.origin.url}/?targetLatency=0.8`);
    const m = await measureLatency(page, { settleMs: 5000, durationMs: 60_000 });
    const estimate = summarize(m.samples.flatMap((s) => (s.estimateMs === null ? [] : [s.estimateMs])));
    console.log(`fixed 0.8 s target over 60 s: ${formatMeasurement(m)}; estimate p50 ${Math.round(estimate.p50)} ms`);
    expect(m.snapshot).toMatchObject({ targetLatency: 0.8, targetLatencySource: 'option', stallCount: 0 });
    // The player's own reading sits on the target (the control objective), far from the automatic one ...
    expect(Math.abs(estimate.p50 - 800)).toBeLessThan(50);
    // ... and the picture agrees: latency is measured from capture (the MPD's captured PRFT).
    expect(Math.abs(m.glassToGlass.p50 - 800)).toBeLessThan(100);
    expect(m.estimateError.p95).toBeLessThan(100);
    await page.close();
  });

  it('stops ffmpeg with the origin', async () => {
    const ingestUrl = `127.0.0.1:${env.origin.port}/ingest`;
    expect(processesMentioning(ingestUrl)).toContain('ffmpeg');
    await env.origin.stop();
    expect(processesMentioning(ingestUrl)).toBe('');
  });
});

// What a newcomer sees right after `npm start`: the transcoder's start-up (its input analysis, its
// first seconds behind real time) must not stay as latency for the session.
describe('demo page opened 5 s after the origin starts', () => {
  let originStartedAt = 0;
  const env = useOriginAndBrowser(() => {
    originStartedAt = Date.now();
    return {};
  });

  it('is under 1 s glass-to-glass from the first measured second', async () => {
    const wait = originStartedAt + 5000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const openedAfter = Date.now() - originStartedAt;
    const page = await openPlayingPage(env.browser.context, `${env.origin.url}/`);
    const playingAfter = Date.now() - originStartedAt;
    await page.waitForTimeout(5000);
    const samples = (await takeStripSamples(page)).filter((s) => s.glassToGlassMs !== null);
    const first = samples[0]?.at ?? 0;
    const seconds = [0, 1, 2, 3, 4].map((k) => samples.filter((s) => s.at >= first + k * 1000 && s.at < first + (k + 1) * 1000).map((s) => s.glassToGlassMs!));
    const medians = seconds.map((values) => (values.length === 0 ? NaN : percentile(values, 50)));
    console.log(
      `demo page opened ${openedAfter} ms after the origin started, playing at ${playingAfter} ms; ` +
        `glass-to-glass median per second from the first frame: ${medians.map((m) => Math.round(m)).join(', ')} ms`,
    );
    // Frames in every second, each second's median under 1 s: the start-up backlog is not carried.
    for (const values of seconds) expect(values.length).toBeGreaterThanOrEqual(10);
    for (const median of medians) expect(median).toBeLessThan(1000);
    await page.close();
  });
});
