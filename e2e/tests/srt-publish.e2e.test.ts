import type { LLPlayerElement } from '@llstream/vanilla';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../src/browser.js';
import { streamState, waitForStreamState, writeConfig } from '../src/config.js';
import { fetchValidManifest } from '../src/manifest.js';
import { freePort, startOrigin, type OriginProcess } from '../src/origin.js';
import { publishSrt, type Publisher } from '../src/publishers.js';
import { summarize } from '../src/stats.js';
import { installStripProbe, takeStripSamples } from '../src/strip-probe.js';

const PASSPHRASE = 'field-key-0123456789';

// An encoder calling our SRT listener, the stream key as the SRT passphrase,
// played in Chromium through the player core.
describe('SRT publish', () => {
  let origin: OriginProcess;
  let browser: Browser;
  let srt: string;
  const publishers: Publisher[] = [];

  beforeAll(async () => {
    const srtPort = await freePort();
    srt = `srt://127.0.0.1:${srtPort}`;
    const config = await writeConfig({
      rtmp: { enabled: false },
      testSource: { enabled: false },
      streams: [{ name: 'field', key: PASSPHRASE, source: { type: 'srt', port: srtPort } }],
    });
    origin = await startOrigin({ args: ['--config', config], waitForStream: null });
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await browser?.close();
    await origin?.stop();
  });

  it('never goes live with a wrong passphrase', async () => {
    const publisher = publishSrt(`${srt}?passphrase=wrong-passphrase-000&pbkeylen=16`);
    publishers.push(publisher);
    expect(await publisher.exited).not.toBe(0);
    expect(await streamState(origin.url, 'field')).not.toBe('live');
  });

  it('plays with the right passphrase', async () => {
    publishers.push(publishSrt(`${srt}?passphrase=${PASSPHRASE}&pbkeylen=16`));
    await waitForStreamState(origin.url, 'field', 'live', 30_000);
    await fetchValidManifest(`${origin.url}/live/field/manifest.mpd`);

    const page = await browser.context.newPage();
    await page.goto(`${origin.url}/?src=/live/field/manifest.mpd`);
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')?.player?.getSnapshot().status === 'playing', null, {
      timeout: 30_000,
    });
    await installStripProbe(page, { selector: 'll-player' });
    await page.waitForTimeout(3000);
    const samples = await takeStripSamples(page);
    const readings = samples.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
    console.log(`SRT: ${readings.length}/${samples.length} frames readable in 3 s, glass-to-glass p50 ${summarize(readings).p50} ms`);
    // Frames keep coming, each with a readable capture stamp: the picture made it through SRT and the transcode.
    expect(readings.length).toBeGreaterThan(45);
    expect(readings.length).toBeGreaterThanOrEqual(0.9 * samples.length);
    await page.close();
  });
});
