import { signedPlaybackPath } from '@llstream/server';
import type { LLPlayerElement } from '@llstream/vanilla';
import { describe, expect, it } from 'vitest';
import { waitForStreamState, writeConfig } from '../src/config.js';
import { useOriginAndBrowser } from '../src/fixture.js';

const SECRET = 'e2e-playback-signing-secret-0123456789';

// A private stream played from a signed URL in Chromium: the token is a path
// element, so the manifest's relative segment URLs carry it to every
// segment request without the player knowing about it.
describe('signed playback URL', () => {
  const env = useOriginAndBrowser(async () => {
    const config = await writeConfig({
      testSource: { enabled: true, private: true },
      playback: { signing: { secrets: [SECRET] } },
      transcode: { ladder: [{ name: '360p', height: 360, bitrate: '600k' }] },
    });
    return { args: ['--config', config], waitForStream: null };
  });

  it('plays the private test stream from a signed URL, every request carrying the token; refuses it unsigned', async () => {
    await waitForStreamState(env.origin.url, 'demo', 'live');
    expect((await fetch(`${env.origin.url}/live/demo/manifest.mpd`)).status).toBe(403);

    const manifest = signedPlaybackPath(SECRET, 'demo', 'manifest.mpd', Date.now() / 1000 + 600);
    const token = manifest.split('/')[3]!;
    const page = await env.browser.context.newPage();
    const requests: Array<{ url: string; status: number }> = [];
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      if (pathname.startsWith('/live/')) requests.push({ url: pathname, status: response.status() });
    });
    await page.goto(`${env.origin.url}/?src=${encodeURIComponent(manifest)}`);
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')?.player?.getSnapshot().status === 'playing', null, {
      timeout: 30_000,
    });
    const start = await page.evaluate(() => document.querySelector<LLPlayerElement>('ll-player')!.video.currentTime);
    await page.waitForFunction((t) => document.querySelector<LLPlayerElement>('ll-player')!.video.currentTime > t + 2, start, { timeout: 15_000 });

    expect(requests.filter((r) => r.url.endsWith('.m4s') && r.status === 200).length).toBeGreaterThan(3);
    for (const request of requests) {
      expect(request.url.startsWith(`/live/demo/${token}/`), request.url).toBe(true);
      // Refused would be 403; a segment asked for too early may be a 404 (the hold rule).
      expect(request.status, request.url).not.toBe(403);
    }
    await page.close();
  });
});
