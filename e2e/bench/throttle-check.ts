import type { BrowserContext, Page } from 'playwright-core';
import { liveSegmentNumber, segmentUrl, type LiveManifest } from './ladder.js';
import { setDownloadKbps } from './network-profiles.js';

/** One timed download in the page. */
export interface TimedFetch {
  what: string;
  /** HTTP status of the last attempt. */
  status: number;
  /** Download limit asked of CDP, kbit/s, or null for none. */
  limitKbps: number | null;
  /** The limit when the download started, if it was lowered to `limitKbps` 1.5 s in. */
  loweredFromKbps?: number;
  bytes: number;
  /** From the fetch() call to the last byte, ms. */
  ms: number;
  /** bytes × 8 / ms: the rate the page saw, kbit/s. */
  kbps: number;
}

/**
 * Checks that `Network.emulateNetworkConditions` limits what the players
 * actually download: a complete past segment and the segment still being
 * produced (a chunked response read through `fetch()`'s ReadableStream, the
 * way dash.js and Shaka read low-latency segments), each unthrottled and at
 * `limitKbps`, all from the top rung so the bytes far exceed the limit;
 * then a complete segment whose limit is lowered while it downloads.
 */
export async function checkThrottling(
  context: BrowserContext,
  pageUrl: string,
  manifestUrl: string,
  manifest: LiveManifest,
  limitKbps = 800,
): Promise<TimedFetch[]> {
  const page = await context.newPage();
  const session = await context.newCDPSession(page);
  await session.send('Network.enable');
  await page.goto(pageUrl);
  const top = manifest.ladder[0]!.id;
  const results: TimedFetch[] = [];
  try {
    for (const limit of [null, limitKbps]) {
      await setDownloadKbps(session, limit);
      for (const live of [false, true]) {
        let timed = { status: 0, bytes: 0, ms: 0 };
        // A busy machine can put ffmpeg a second behind the wall clock, so the
        // segment computed from it is not there yet (404): try the next one.
        for (let attempt = 0; attempt < 3 && (timed.status !== 200 || timed.bytes === 0); attempt++) {
          // A live fetch starts as its segment starts, so it spans the whole segment's production.
          if (live) await page.waitForTimeout(1000 - ((Date.now() - manifest.availabilityStartTime) % 1000));
          const number = liveSegmentNumber(manifest) - (live ? 0 : 3);
          timed = await timedFetch(page, segmentUrl(manifestUrl, manifest, top, number));
        }
        const { status, bytes, ms } = timed;
        results.push({
          what: live ? 'segment being produced (chunked, streamed)' : 'complete segment (3 s old)',
          status,
          limitKbps: limit,
          bytes,
          ms,
          kbps: (bytes * 8) / ms,
        });
      }
    }
    // Lowering the limit while a download runs: Chromium lets that download
    // finish unthrottled (it does so on any change of conditions).
    await setDownloadKbps(session, limitKbps / 2);
    const during = timedFetch(page, segmentUrl(manifestUrl, manifest, top, liveSegmentNumber(manifest) - 3));
    await page.waitForTimeout(1500);
    await setDownloadKbps(session, limitKbps / 8);
    const { status, bytes, ms } = await during;
    results.push({
      what: 'complete segment (3 s old)',
      status,
      loweredFromKbps: limitKbps / 2,
      limitKbps: limitKbps / 8,
      bytes,
      ms,
      kbps: (bytes * 8) / ms,
    });
  } finally {
    await session.detach().catch(() => undefined);
    await page.close();
  }
  return results;
}

/** Downloads `url` in `page` through fetch()'s ReadableStream, timing it from the call to the last byte. */
async function timedFetch(page: Page, url: string): Promise<{ status: number; bytes: number; ms: number }> {
  return page.evaluate(async (u) => {
    const start = performance.now();
    const response = await fetch(u, { cache: 'no-store' });
    const reader = response.body!.getReader();
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
    }
    return { status: response.status, bytes: total, ms: performance.now() - start };
  }, url);
}

/** Markdown lines describing {@link checkThrottling}'s results. */
export function formatThrottleCheck(results: readonly TimedFetch[]): string[] {
  return results.map(
    (r) =>
      `- ${r.what}, limit ${r.loweredFromKbps === undefined ? '' : `${r.loweredFromKbps} kbit/s, lowered 1.5 s in to `}` +
      `${r.limitKbps === null ? 'none' : `${r.limitKbps} kbit/s`}: ` +
      (r.status === 200 ? '' : `HTTP ${r.status}, `) +
      `${Math.round(r.bytes / 1000)} kB in ${Math.round(r.ms)} ms = ${Math.round(r.kbps)} kbit/s`,
  );
}
