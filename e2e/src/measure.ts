import type { Page } from 'playwright-core';
import { summarize, type Summary } from './stats.js';
import { installStripProbe, takeStripSamples, type StripSample } from './strip-probe.js';

export interface LatencyMeasurement {
  /** Every presented frame in the measuring window. */
  samples: StripSample[];
  /** Glass-to-glass latency read from the strip, ms, over readable frames. */
  glassToGlass: Summary;
  /** |player estimate − strip|, ms, over frames that have both. */
  estimateError: Summary;
  /** Frames without a readable strip. */
  unreadable: number;
  /** The player's snapshot at the end of the window, read once it plays again if the window ended in a stall (waits at most 5 s). */
  snapshot: Record<string, unknown>;
}

/**
 * Waits until the `<ll-player>` on `page` plays, lets it settle for
 * `settleMs`, then reads the strip of every frame for `durationMs`.
 */
export async function measureLatency(
  page: Page,
  { selector = 'll-player', settleMs = 5000, durationMs = 30_000 } = {},
): Promise<LatencyMeasurement> {
  await page
    .waitForFunction(
      (sel) => {
        const el = document.querySelector(sel) as unknown as { player?: { getSnapshot(): { status: string } } } | null;
        return el?.player?.getSnapshot().status === 'playing';
      },
      selector,
      { timeout: 30_000 },
    )
    .catch(async (error: unknown) => {
      // Say where the player got stuck, not just that it did.
      const state = await page.evaluate((sel) => {
        const el = document.querySelector(sel) as unknown as { player?: { getSnapshot(): object } | null } | null;
        return el ? (el.player ? JSON.stringify(el.player.getSnapshot()) : 'no player on the element') : `no ${sel} in the page`;
      }, selector);
      throw new Error(`${selector} did not play within 30 s: ${state}`, { cause: error });
    });
  await installStripProbe(page, { selector });
  await page.waitForTimeout(settleMs);
  await takeStripSamples(page);
  await page.waitForTimeout(durationMs);
  const samples = await takeStripSamples(page);
  // The window may end inside a brief stall, which the stall count already
  // reports: give the player up to 5 s to be playing again before reading the
  // snapshot (one that is still stalled then is returned as it is).
  await page
    .waitForFunction(
      (sel) => (document.querySelector(sel) as unknown as { player: { getSnapshot(): { status: string } } }).player.getSnapshot().status === 'playing',
      selector,
      { timeout: 5000 },
    )
    .catch(() => undefined);
  const snapshot = await page.evaluate(
    (sel) => ({ ...(document.querySelector(sel) as unknown as { player: { getSnapshot(): object } }).player.getSnapshot() }),
    selector,
  );

  const readable = samples.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
  const errors = samples.flatMap((s) =>
    s.glassToGlassMs === null || s.estimateMs === null ? [] : [Math.abs(s.estimateMs - s.glassToGlassMs)],
  );
  return {
    samples,
    glassToGlass: summarize(readable),
    estimateError: summarize(errors),
    unreadable: samples.length - readable.length,
    snapshot,
  };
}

/** One line for logs: `glass-to-glass p50 812 ms p95 901 ms (893 frames) …`. */
export function formatMeasurement(m: LatencyMeasurement): string {
  const ms = (n: number) => `${Math.round(n)} ms`;
  return (
    `glass-to-glass p50 ${ms(m.glassToGlass.p50)} p95 ${ms(m.glassToGlass.p95)} ` +
    `(min ${ms(m.glassToGlass.min)}, max ${ms(m.glassToGlass.max)}, ${m.glassToGlass.count} frames, ${m.unreadable} unreadable); ` +
    `|estimate − strip| p50 ${ms(m.estimateError.p50)} p95 ${ms(m.estimateError.p95)}; ` +
    `stalls ${String(m.snapshot.stallCount)}`
  );
}
