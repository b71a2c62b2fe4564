import { execFileSync } from 'node:child_process';
import type { LLPlayerElement } from '@llstream/vanilla';
import { describe, expect, it } from 'vitest';
import { useOriginAndBrowser } from '../src/fixture.js';
import { summarize } from '../src/stats.js';
import { installStripProbe, takeStripSamples } from '../src/strip-probe.js';
import type { OriginProcess } from '../src/origin.js';

/** Pid of the ffmpeg publishing into `origin` (the test source). */
function publisherPid(origin: OriginProcess): number {
  const out = execFileSync('pgrep', ['-f', `^\\S*ffmpeg .*127\\.0\\.0\\.1:${origin.port}/ingest/`], { encoding: 'utf8' });
  const pids = out.trim().split('\n').map(Number);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

// A publisher that dies mid-segment comes back (the origin restarts ffmpeg)
// with a new availabilityStartTime and new segment names; players must follow
// it without a page reload.
describe('a publisher restart under a playing page', () => {
  const env = useOriginAndBrowser();

  it('resumes playback by itself and is back near its target latency within 10 s', async () => {
    const page = await env.browser.context.newPage();
    await page.goto(`${env.origin.url}/`);
    const status = () => page.evaluate(() => document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot().status);
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')?.player?.getSnapshot().status === 'playing');
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await installStripProbe(page, { selector: 'll-player' });
    await page.waitForTimeout(3000);

    const killedAt = Date.now();
    process.kill(publisherPid(env.origin), 'SIGKILL');
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot().status !== 'playing');
    await takeStripSamples(page);
    // The origin restarts ffmpeg after its backoff; the player notices the new session and reloads.
    await page.waitForFunction(
      () => document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot().status === 'playing',
      null,
      { timeout: 10_000 },
    );
    const resumedAfter = (Date.now() - killedAt) / 1000;
    await page.waitForTimeout(Math.max(0, killedAt + 10_000 - Date.now()));
    await takeStripSamples(page);
    await page.waitForTimeout(3000);
    const after = (await takeStripSamples(page)).flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
    const snapshot = await page.evaluate(() => ({ ...document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot() }));
    console.log(
      `publisher restart: playing again ${resumedAfter.toFixed(1)} s after the kill; ` +
        `glass-to-glass 10-13 s after it p50 ${summarize(after).p50} ms; stalls ${snapshot.stallCount}`,
    );

    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await status()).toBe('playing');
    expect(after.length).toBeGreaterThan(45);
    expect(summarize(after).p50).toBeLessThan(snapshot.targetLatency * 1000 + 250);
    await page.close();
  });
});
