import { execFileSync } from 'node:child_process';
import type { LLPlayerElement } from '@llstream/vanilla';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fetchLiveManifest } from '../bench/ladder.js';
import { startPageServer } from '../bench/page-server.js';
import { runPlayer } from '../bench/run-player.js';
import { rtmpOrigin, streamState, waitForSteadyStream, waitForStreamState } from '../src/config.js';
import { fetchValidManifest } from '../src/manifest.js';
import { useOriginAndBrowser } from '../src/fixture.js';
import type { OriginProcess } from '../src/origin.js';
import { publishRtmp, type Publisher, type PublishOptions } from '../src/publishers.js';
import { openPlayingPage, sameDocument, statusChanges } from '../src/recovery.js';
import { summarize } from '../src/stats.js';
import { installStripProbe, takeStripSamples } from '../src/strip-probe.js';

const KEY = 'cam-key-0123456789';

/** Processes pushing into the origin's ingest for `stream`: the origin's transcoder ffmpeg. */
function transcoders(origin: OriginProcess, stream: string): string {
  try {
    return execFileSync('pgrep', ['-af', `127\\.0\\.0\\.1:${origin.port}/ingest/${stream}/`], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

const snapshotOf = (page: Page) => page.evaluate(() => ({ ...document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot() }));

// An encoder publishing over RTMP with a stream key, as OBS does, played in
// Chromium through the player core at every rung of the origin's ladder.
describe('RTMP publish', () => {
  let rtmp = '';
  const env = useOriginAndBrowser(async () => {
    const origin = await rtmpOrigin(['cam'], KEY);
    rtmp = origin.rtmp;
    return origin;
  });
  const publish = (url: string, options?: PublishOptions): Publisher => env.track(publishRtmp(url, options));

  it('refuses a wrong or missing key before any transcoding starts', async () => {
    for (const url of [`${rtmp}/cam?key=wrong-key-000000`, `${rtmp}/cam`]) {
      const publisher = publish(url);
      expect(await publisher.exited).not.toBe(0);
      expect(transcoders(env.origin, 'cam')).toBe('');
      expect(await streamState(env.origin.url, 'cam')).not.toBe('live');
    }
    expect(env.origin.logs.some((line) => line.includes('cam') && /key/i.test(line))).toBe(true);
  });

  it('plays with the right key at every rung of the ladder, and refuses a second publisher', async () => {
    publish(`${rtmp}/cam?key=${KEY}`);
    await waitForStreamState(env.origin.url, 'cam', 'live');
    const mpd = await fetchValidManifest(`${env.origin.url}/live/cam/manifest.mpd`);
    expect(mpd).toContain('ServiceDescription');

    const second = publish(`${rtmp}/cam?key=${KEY}`);
    expect(await second.exited).not.toBe(0);
    expect(await streamState(env.origin.url, 'cam')).toBe('live');

    const page = await env.browser.context.newPage();
    await page.goto(`${env.origin.url}/?src=/live/cam/manifest.mpd`);
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')?.player?.getSnapshot().status === 'playing', null, {
      timeout: 30_000,
    });
    await installStripProbe(page, { selector: 'll-player' });
    const { renditions } = await snapshotOf(page);
    expect(renditions.map((r) => r.height)).toEqual([240, 360, 480, 720]);

    for (const rendition of renditions) {
      await page.evaluate((id) => document.querySelector<LLPlayerElement>('ll-player')!.player!.setQuality(id), rendition.id);
      await page.waitForFunction(
        ({ id, height }) => {
          const el = document.querySelector<LLPlayerElement>('ll-player')!;
          return el.player!.getSnapshot().rendition === id && el.video.videoHeight === height;
        },
        { id: rendition.id, height: rendition.height },
        { timeout: 15_000 },
      );
      await takeStripSamples(page);
      await page.waitForTimeout(2000);
      const samples = await takeStripSamples(page);
      const readings = samples.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
      const estimates = samples.flatMap((s) => (s.estimateMs === null ? [] : [s.estimateMs]));
      const errors = samples.flatMap((s) => (s.glassToGlassMs === null || s.estimateMs === null ? [] : [Math.abs(s.estimateMs - s.glassToGlassMs)]));
      const { p50 } = summarize(readings);
      console.log(
        `RTMP ${rendition.height}p: ${readings.length}/${samples.length} frames readable in 2 s, glass-to-glass p50 ${p50} ms, player estimate p50 ${summarize(estimates).p50} ms, ` +
          `|estimate − strip| p50 ${summarize(errors).p50} ms p95 ${summarize(errors).p95} ms`,
      );
      // The readout tells the truth: the origin's capture clock times each frame by its arrival at the
      // RTMP listener, so the estimate misses only what the publisher spends before sending (its
      // encode: ~45 ms here). Before the capture clock it was 2.1 s short. Targets: bench:ingest.
      expect(summarize(errors).p50).toBeLessThan(100);
      // Frames keep coming at this rung, each with a readable capture stamp: the strip survives the
      // scaling. A stalled player presents 0-2 frames in 2 s; 10 fps is the bound because headless
      // Chromium renders 720p in software on 2 cores shared with the publisher and the ladder, and
      // frame rate is a benchmark's business. Latency through RTMP is measured, not judged, here.
      expect(readings.length).toBeGreaterThanOrEqual(20);
      expect(readings.length).toBeGreaterThanOrEqual(0.9 * samples.length);
    }
    await page.close();
  });

  it('reads latency truthfully from a publisher whose timestamps start days in', async () => {
    // An encoder that has run for 10 days (or starts its clock anywhere): FLV timestamps from 864 000 000 ms.
    publish(`${rtmp}/cam?key=${KEY}`, { timestampOffset: 864_000 });
    await waitForSteadyStream(env.origin.url, 'cam', 5000);
    const page = await openPlayingPage(env.browser.context, `${env.origin.url}/?src=/live/cam/manifest.mpd`);
    await takeStripSamples(page);
    await page.waitForTimeout(3000);
    const samples = await takeStripSamples(page);
    const readings = samples.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
    const errors = samples.flatMap((s) => (s.glassToGlassMs === null || s.estimateMs === null ? [] : [Math.abs(s.estimateMs - s.glassToGlassMs)]));
    const g2g = summarize(readings);
    const error = summarize(errors);
    console.log(
      `RTMP from a 10-day timestamp offset: ${readings.length}/${samples.length} frames readable in 3 s, glass-to-glass p50 ${g2g.p50} ms p95 ${g2g.p95} ms, ` +
        `|estimate − strip| p50 ${error.p50} ms p95 ${error.p95} ms`,
    );
    expect(readings.length).toBeGreaterThanOrEqual(30);
    // The estimate misses only the publisher's own encode (~35 ms here, which the origin cannot see).
    expect(error.p95).toBeLessThan(100);
    // Well under a second; the targets (p50 ≤ 500 ms) are bench:ingest's.
    expect(g2g.p50).toBeLessThan(1000);
    await page.close();
  });

  it('dash.js (its defaults) and Shaka (liveSync) read their own latency as the strip does', { timeout: 180_000 }, async () => {
    // They steer on availabilityStartTime and the MPD's ProducerReferenceTime, not on our
    // in-band PRFT: the origin states its capture clock in all three.
    publish(`${rtmp}/cam?key=${KEY}`);
    await waitForSteadyStream(env.origin.url, 'cam', 5000);
    const manifestUrl = `${env.origin.url}/live/cam/manifest.mpd`;
    const { ladder } = await fetchLiveManifest(manifestUrl);
    const pages = await startPageServer();
    try {
      for (const player of ['dashjs', 'shaka'] as const) {
        const result = await runPlayer(env.browser.context, pages.url, manifestUrl, ladder, {
          player,
          target: player === 'shaka' ? 0.5 : null,
          profile: 'rtmp',
          steps: [],
          settleSeconds: 8,
          seconds: 10,
        });
        // Per frame: the player's own reading and the strip, both taken in the frame's callback.
        const error = result.estimateError ?? summarize([]);
        console.log(
          `RTMP, ${player}: ${result.error ?? `glass-to-glass p50 ${result.g2g.p50} ms, its reading against the strip p50 ${Math.round(error.p50)} ms p95 ${Math.round(error.p95)} ms over ${error.count} frames, stalls ${result.stallCount}`}`,
        );
        expect(result.error).toBeNull();
        // 10 s of frames: a stalled or frozen player presents far fewer.
        expect(error.count).toBeGreaterThanOrEqual(150);
        expect(error.p95).toBeLessThan(150);
      }
    } finally {
      await pages.close();
    }
  });

  it('ends the stream when the publisher disconnects, and players resume when it publishes again', async () => {
    const first = publish(`${rtmp}/cam?key=${KEY}`);
    await waitForStreamState(env.origin.url, 'cam', 'live');
    const page = await openPlayingPage(env.browser.context, `${env.origin.url}/?src=/live/cam/manifest.mpd`);

    const leftAt = Date.now();
    await first.stop();
    await waitForStreamState(env.origin.url, 'cam', 'offline');
    await fetchValidManifest(`${env.origin.url}/live/cam/manifest.mpd`);
    try {
      await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot().status === 'offline', null, {
        timeout: 15_000,
      });
    } catch (error) {
      // What the player went through, and what the origin said, for whoever reads the failure.
      const changes = await statusChanges(page);
      const snapshot = await snapshotOf(page);
      console.log(
        `no offline: statuses ${changes.map((c) => `${((c.at - leftAt) / 1000).toFixed(1)} s ${c.status}${c.error === null ? '' : ` (${c.error})`}`).join(', ')}; ` +
          `snapshot ${JSON.stringify({ status: snapshot.status, liveLatency: snapshot.liveLatency, bufferAhead: snapshot.bufferAhead })}\n` +
          env.origin.logs.slice(-15).join('\n'),
      );
      throw error;
    }
    const offlineAfter = Date.now() - leftAt;

    publish(`${rtmp}/cam?key=${KEY}`);
    await waitForStreamState(env.origin.url, 'cam', 'live');
    const liveAt = Date.now();
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot().status === 'playing', null, {
      timeout: 20_000,
    });
    const playingAfter = Date.now() - liveAt;
    const changes = await statusChanges(page);
    console.log(
      `RTMP publisher left: offline ${offlineAfter} ms after it disconnected; playing ${playingAfter} ms after the stream was live again; ` +
        `statuses ${changes.map((c) => `${((c.at - leftAt) / 1000).toFixed(1)} s ${c.status}`).join(', ')}`,
    );
    expect(await sameDocument(page)).toBe(true);
    // Playing means frames: the new session's pictures reach the screen, with readable capture stamps.
    await takeStripSamples(page);
    await page.waitForTimeout(2000);
    const readings = (await takeStripSamples(page)).filter((s) => s.glassToGlassMs !== null);
    expect(readings.length).toBeGreaterThanOrEqual(20);
    await page.close();
  });
});
