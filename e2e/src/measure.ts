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
  /**
   * For each stall that began in the window: the player's state over the 2 s
   * before it and while it lasted, so a failing run says what ran dry.
   */
  stalls: StallTrace[];
  /** Buffer ahead, ms, over the snapshots the player published while playing in the window. */
  bufferAhead: Summary;
  /** The buffer floor the player kept (learned from chunk arrival jitter), ms, over the same snapshots. */
  bufferFloor: Summary;
}

/** The player's published state around one stall (see {@link LatencyMeasurement.stalls}). */
export interface StallTrace {
  /** Page `Date.now()` when the player reported the stall, ms. */
  at: number;
  /** Each snapshot the player published from 2 s before the stall until it played again (at most 4 s after). */
  states: StallTraceState[];
}

/** One published snapshot, trimmed to what explains a stall. Seconds unless named otherwise. */
export interface StallTraceState {
  /** Milliseconds relative to {@link StallTrace.at}. */
  dtMs: number;
  status: string;
  liveLatency: number | null;
  bufferAhead: number;
  bufferFloor: number;
  playbackRate: number;
  rendition: string | null;
  /** Bits per second. */
  throughput: number | null;
}

/** Records every snapshot the player publishes, with its page time, for {@link stallTraces}. */
async function installSnapshotLog(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    type Snap = { status: string; stallCount: number } & Record<string, unknown>;
    const player = (document.querySelector(sel) as unknown as { player: { subscribe(f: () => void): void; getSnapshot(): Snap } }).player;
    const log: { at: number; s: Snap }[] = [];
    player.subscribe(() => log.push({ at: Date.now(), s: player.getSnapshot() }));
    Object.assign(window, { __snapshotLog: log });
  }, selector);
}

/** The stalls that began at or after page time `from`, from the snapshot log. */
async function stallTraces(page: Page, from: number): Promise<StallTrace[]> {
  return page.evaluate((since) => {
    type Snap = Record<string, unknown> & { status: string; stallCount: number };
    const log = (window as unknown as { __snapshotLog: { at: number; s: Snap }[] }).__snapshotLog;
    const traces = [];
    for (let i = 1; i < log.length; i++) {
      const { at, s } = log[i]!;
      if (at < since || s.stallCount <= log[i - 1]!.s.stallCount) continue;
      const states = [];
      for (const e of log) {
        if (e.at < at - 2000) continue;
        if (e.at > at + 4000) break;
        states.push({
          dtMs: e.at - at,
          status: e.s.status,
          liveLatency: e.s.liveLatency as number | null,
          bufferAhead: e.s.bufferAhead as number,
          bufferFloor: e.s.bufferFloor as number,
          playbackRate: e.s.playbackRate as number,
          rendition: e.s.rendition as string | null,
          throughput: e.s.throughput as number | null,
        });
        if (e.at > at && e.s.status === 'playing') break;
      }
      traces.push({ at, states });
    }
    return traces;
  }, from);
}

/** Buffer ahead and floor, seconds, of each snapshot published while playing since page time `from`. */
async function playingBuffers(page: Page, from: number): Promise<{ ahead: number[]; floor: number[] }> {
  return page.evaluate((since) => {
    const log = (window as unknown as { __snapshotLog: { at: number; s: Record<string, unknown> }[] }).__snapshotLog;
    const playing = log.filter((e) => e.at >= since && e.s.status === 'playing');
    return { ahead: playing.map((e) => e.s.bufferAhead as number), floor: playing.map((e) => e.s.bufferFloor as number) };
  }, from);
}

/** A few lines per stall: what the player published around it (see {@link LatencyMeasurement.stalls}). */
export function formatStalls(m: LatencyMeasurement): string {
  const n = (v: number | null, digits = 3) => (v === null ? '–' : v.toFixed(digits));
  return m.stalls
    .map(
      (t, i) =>
        `stall ${i + 1} in the window:\n` +
        t.states
          .map(
            (s) =>
              `  ${String(s.dtMs).padStart(6)} ms ${s.status.padEnd(8)} latency ${n(s.liveLatency)} buffer ${n(s.bufferAhead)} ` +
              `floor ${n(s.bufferFloor)} rate ${n(s.playbackRate)} ${s.rendition ?? '–'} ${s.throughput === null ? '–' : Math.round(s.throughput / 1000)} kb/s`,
          )
          .join('\n'),
    )
    .join('\n');
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
  await installSnapshotLog(page, selector);
  await page.waitForTimeout(settleMs);
  await takeStripSamples(page);
  const windowStart = await page.evaluate(() => Date.now());
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

  const stalls = await stallTraces(page, windowStart);
  const buffers = await playingBuffers(page, windowStart);

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
    stalls,
    bufferAhead: summarize(buffers.ahead.map((b) => b * 1000)),
    bufferFloor: summarize(buffers.floor.map((b) => b * 1000)),
  };
}

/** One line for logs: `glass-to-glass p50 812 ms p95 901 ms (893 frames) …`. */
export function formatMeasurement(m: LatencyMeasurement): string {
  const ms = (n: number) => `${Math.round(n)} ms`;
  return (
    `glass-to-glass p50 ${ms(m.glassToGlass.p50)} p95 ${ms(m.glassToGlass.p95)} ` +
    `(min ${ms(m.glassToGlass.min)}, max ${ms(m.glassToGlass.max)}, ${m.glassToGlass.count} frames, ${m.unreadable} unreadable); ` +
    `|estimate − strip| p50 ${ms(m.estimateError.p50)} p95 ${ms(m.estimateError.p95)}; ` +
    `buffer ahead p50 ${ms(m.bufferAhead.p50)} (min ${ms(m.bufferAhead.min)}), floor p50 ${ms(m.bufferFloor.p50)}; ` +
    `stalls ${String(m.snapshot.stallCount)}` +
    (m.stalls.length > 0 ? `\n${formatStalls(m)}` : '')
  );
}
