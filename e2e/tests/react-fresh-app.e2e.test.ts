import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshReactApp, readmeUsage, type FreshReactApp } from '../fresh-apps/react/fresh-react-app.js';
import { exposeReactPlayer, startVitePreview, type PreviewServer } from '../fresh-apps/react/react-page.js';
import { waitForSteadyStream } from '../src/config.js';
import { useOriginAndBrowser } from '../src/fixture.js';
import { freePort } from '../src/origin.js';
import { expectDefaultControls } from '../src/default-ui.js';
import { formatMeasurement, measureLatency } from '../src/measure.js';

// Done-when for @llstream/react: what a user does with the README. A fresh
// create-vite React app installs the packed tarballs of @llstream/core and
// @llstream/react, gets the README's usage as its App, is built and served as
// static files, and plays the real origin's demo stream in headless Chromium
// well under 1 s glass-to-glass (p50), read from the capture-time strip, with
// <ll-player>'s default UI (the same controls, by accessible name).
describe('a fresh Vite React app with the packed @llstream/react', () => {
  let originPort: number;
  let app: FreshReactApp | undefined;
  let preview: PreviewServer | undefined;

  // Built before the origin starts (hooks run in the order registered): npm and the
  // build would otherwise take the CPU the origin's ffmpeg needs to stay real time.
  beforeAll(async () => {
    const usage = await readmeUsage();
    expect(usage.split('\n').filter((line) => line.trim() !== '')).toHaveLength(4);
    expect(usage.match(/<LLPlayer /g)).toHaveLength(1);
    expect(usage).toContain('http://localhost:8080/live/demo/manifest.mpd');
    originPort = await freePort();
    // The README's App as is, with the test origin's URL, and its player on window for the strip probe's estimate.
    const appSource = usage
      .replace('http://localhost:8080', `http://127.0.0.1:${originPort}`)
      .replace('<LLPlayer ', '<LLPlayer ref={(player) => { (window as { __llPlayer?: unknown }).__llPlayer = player; }} ');
    app = await createFreshReactApp(appSource);
    console.log(`fresh React app: ${Object.entries(app.timings).map(([step, s]) => `${step} ${s.toFixed(1)} s`).join(', ')}`);
  }, 300_000);
  const env = useOriginAndBrowser(() => ({ port: originPort }));

  afterAll(async () => {
    await preview?.stop();
    await app?.remove();
  });

  it('builds from the README usage and plays the demo stream well under 1 s glass-to-glass (p50), its readout true', async () => {
    if (!app) throw new Error('the app was not built');
    const installed = JSON.parse(await readFile(join(app.dir, 'node_modules', '@llstream', 'react', 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(installed.peerDependencies).toEqual({ react: '^18.2 || ^19', 'react-dom': '^18.2 || ^19' });
    preview = await startVitePreview(app.viteBin, app.dir, [], app.env);

    await waitForSteadyStream(env.origin.url, 'demo');
    const page = await env.browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(preview.url);
    await exposeReactPlayer(page);
    const m = await measureLatency(page, { selector: 'll-player', settleMs: 5000, durationMs: 20_000 });
    console.log(`fresh React app over 20 s: ${formatMeasurement(m)}; target ${String(m.snapshot.targetLatency)} s`);

    expect(errors).toEqual([]);
    expect(m.glassToGlass.count).toBeGreaterThan(400);
    // Well under a second on this saturated machine (a CI run read 583 ms at an automatic target
    // raised by load); how low the automatic target holds is bench:ingest's (test source row).
    expect(m.glassToGlass.p50).toBeLessThan(1000);
    expect(m.estimateError.p95).toBeLessThan(100);
    expect(m.snapshot).toMatchObject({ status: 'playing', targetLatencySource: 'auto' });
    await expect(page.getByText(/^Latency \d+\.\d+ s · target/).textContent()).resolves.toBeTruthy();
    // The one default UI, as <ll-player> shows it, found by accessible name.
    await expectDefaultControls(page);
    await page.close();
  });

  it('builds and plays with React 18 too (the peer range ^18.2 || ^19)', async () => {
    if (!app) throw new Error('the app was not built');
    await preview?.stop();
    // The template's React 19 swapped for 18; `npm run build` type-checks the App against React 18's types as well.
    await app.npm('install react 18', ['install', 'react@^18.3', 'react-dom@^18.3', '@types/react@^18.3', '@types/react-dom@^18.3']);
    await app.npm('build react 18', ['run', 'build']);
    const installed = JSON.parse(await readFile(join(app.dir, 'node_modules', 'react', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toMatch(/^18\./);
    preview = await startVitePreview(app.viteBin, app.dir, [], app.env);
    console.log(`React ${installed.version}: install ${app.timings['install react 18']?.toFixed(1)} s, build ${app.timings['build react 18']?.toFixed(1)} s`);

    const page = await env.browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(preview.url);
    await exposeReactPlayer(page);
    // 8 s: the automatic target starts at 0.5 s and walks down only after 3 s of steady delivery.
    const m = await measureLatency(page, { selector: 'll-player', settleMs: 8000, durationMs: 10_000 });
    console.log(`fresh React 18 app over 10 s: ${formatMeasurement(m)}; target ${String(m.snapshot.targetLatency)} s`);

    expect(errors).toEqual([]);
    expect(m.glassToGlass.count).toBeGreaterThan(200);
    // Well under a second on this saturated machine (a CI run read 583 ms at an automatic target
    // raised by load); how low the automatic target holds is bench:ingest's (test source row).
    expect(m.glassToGlass.p50).toBeLessThan(1000);
    expect(m.estimateError.p95).toBeLessThan(100);
    expect(m.snapshot).toMatchObject({ status: 'playing' });
    await expectDefaultControls(page);
    await page.close();
  });
});
