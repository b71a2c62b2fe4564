import { loadavg } from 'node:os';
import type { BrowserContext, Page } from 'playwright-core';
import { percentile, summarize, type Summary } from '../src/stats.js';
import { installStripProbe, takeStripSamples, type StripSample } from '../src/strip-probe.js';
import type { Rung } from './ladder.js';
import { NetworkEmulator, type NetworkStep } from './network-profiles.js';

/** The players compared. */
export const PLAYERS = ['llstream', 'dashjs', 'shaka'] as const;
export type PlayerName = (typeof PLAYERS)[number];

/** Names for tables and plots. */
export const PLAYER_TITLES: Record<PlayerName, string> = {
  llstream: 'llstream',
  dashjs: 'dash.js 5.2',
  shaka: 'Shaka 5.2',
};

/** One player, one target, one network profile. */
export interface RunSpec {
  player: PlayerName;
  /** Target latency given to the player, seconds; null: llstream's automatic target. */
  target: number | null;
  profile: string;
  steps: readonly NetworkStep[];
  /**
   * Excluded from the statistics, counted from the player's load() call (when
   * the bandwidth pattern starts too), seconds: every player's window then
   * starts at the same point of the pattern. A first frame later than that
   * starts the window at the first frame instead.
   */
  settleSeconds: number;
  /** Measured window after the settle period, seconds. */
  seconds: number;
}

/** One second of the measured window. */
export interface SecondPoint {
  /** Seconds since the window started (the second [t, t+1)). */
  t: number;
  /** Median glass-to-glass latency of the frames presented in that second (strip), ms; null when none was. */
  g2gMs: number | null;
  frames: number;
  /** The player's own estimate at the end of the second, ms. */
  estimateMs: number | null;
  playbackRate: number | null;
  bufferAhead: number | null;
  height: number | null;
  stalled: boolean;
  /** Download limit in force, kbit/s; null unthrottled. */
  limitKbps: number | null;
}

/** What one run measured. Times in ms, bitrates in kbit/s. */
export interface RunResult {
  player: PlayerName;
  profile: string;
  target: number | null;
  /** The target the player reported steering to at the end (llstream only). */
  reportedTarget: number | null;
  settleSeconds: number;
  /** Where the measured window started, seconds after load(): the settle time unless the first frame came later. */
  windowStartSeconds: number;
  seconds: number;
  startedAt: string;
  /** Glass-to-glass latency from the strip over every readable frame of the window. */
  g2g: Summary;
  unreadableFrames: number;
  /** |the player's own reading − strip| over every readable frame of the window (both taken in the frame's callback); null when the run failed before it. */
  estimateError: Summary | null;
  stallCount: number;
  stallTimeMs: number;
  seekCount: number;
  timeToFirstFrameMs: number | null;
  /** Representation@bandwidth of the rendition on screen, time-weighted over the window. */
  meanBitrateKbps: number;
  renditionSwitches: number;
  droppedFrames: number;
  presentedFrames: number;
  error: string | null;
  /** The machine's 1-minute load average as the run ended (2 cores: above 2 the players and ffmpeg wait for CPU). */
  loadAverage: number;
  series: SecondPoint[];
}

/** The fields of `window.__bench` (pages/bench-page.js) the bench reads. */
interface BenchReading {
  at: number;
  status: string;
  error: string | null;
  liveLatencyEstimate: number | null;
  playbackRate: number | null;
  bufferAhead: number | null;
  stallCount: number;
  stallTimeMs: number;
  seekCount: number;
  timeToFirstFrameMs: number | null;
  firstPlayingAt: number | null;
  renditionHeight: number | null;
  renditionSwitches: number;
  bitSeconds: number;
  droppedFrames: number | null;
  totalFrames: number | null;
}

interface BenchWindow {
  __bench: BenchReading & { ready: boolean; start(config: object): void };
}

async function read(page: Page): Promise<BenchReading> {
  return page.evaluate(() => {
    const b = (window as unknown as BenchWindow).__bench;
    return {
      at: b.at,
      status: b.status,
      error: b.error,
      liveLatencyEstimate: b.liveLatencyEstimate,
      playbackRate: b.playbackRate,
      bufferAhead: b.bufferAhead,
      stallCount: b.stallCount,
      stallTimeMs: b.stallTimeMs,
      seekCount: b.seekCount,
      timeToFirstFrameMs: b.timeToFirstFrameMs,
      firstPlayingAt: b.firstPlayingAt,
      renditionHeight: b.renditionHeight,
      renditionSwitches: b.renditionSwitches,
      bitSeconds: b.bitSeconds,
      droppedFrames: b.droppedFrames,
      totalFrames: b.totalFrames,
    };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** How long a player may take from load() to its first frame before the run counts as failed, ms. */
const FIRST_FRAME_TIMEOUT_MS = 30_000;

/**
 * Runs one player on its bench page: opens the page unthrottled (so script
 * download does not eat into the profile), starts the bandwidth pattern and
 * calls the player's load() at the same moment, waits for the first frame,
 * waits out the settle time, then measures for `spec.seconds`, sampling every second.
 */
export async function runPlayer(
  context: BrowserContext,
  pagesUrl: string,
  manifestUrl: string,
  ladder: readonly Rung[],
  spec: RunSpec,
): Promise<RunResult> {
  let page: Page | undefined;
  let emulator: NetworkEmulator | undefined;
  const result: RunResult = {
    player: spec.player,
    profile: spec.profile,
    target: spec.target,
    reportedTarget: null,
    settleSeconds: spec.settleSeconds,
    windowStartSeconds: spec.settleSeconds,
    seconds: 0,
    startedAt: new Date().toISOString(),
    g2g: summarize([]),
    unreadableFrames: 0,
    estimateError: null,
    stallCount: 0,
    stallTimeMs: 0,
    seekCount: 0,
    timeToFirstFrameMs: null,
    meanBitrateKbps: 0,
    renditionSwitches: 0,
    droppedFrames: 0,
    presentedFrames: 0,
    error: null,
    loadAverage: 0,
    series: [],
  };
  try {
    page = await context.newPage();
    const network = await NetworkEmulator.attach(page, spec.steps);
    emulator = network;
    await page.goto(`${pagesUrl}/${spec.player}.html`);
    await page.waitForFunction(() => (window as unknown as Partial<BenchWindow>).__bench?.ready === true, null, { timeout: 30_000 });
    await network.start();
    await page.evaluate(
      (config) => (window as unknown as BenchWindow).__bench.start(config),
      { mpd: manifestUrl, target: spec.target, ladder: ladder.map(({ height, bandwidth }) => ({ height, bandwidth })) },
    );
    await installStripProbe(page, { selector: spec.player === 'llstream' ? 'll-player' : 'video' });

    const deadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
    let reading = await read(page);
    while (reading.firstPlayingAt === null) {
      if (reading.status === 'error' || Date.now() > deadline) {
        throw new Error(`no first frame: status ${reading.status}, ${reading.error ?? `${FIRST_FRAME_TIMEOUT_MS} ms passed`}`);
      }
      await sleep(100);
      reading = await read(page);
    }
    result.timeToFirstFrameMs = reading.timeToFirstFrameMs;

    await sleep(network.startedAt + spec.settleSeconds * 1000 - Date.now());
    await takeStripSamples(page);
    const first = await read(page);
    const windowStart = first.at;
    result.windowStartSeconds = Math.round(windowStart - network.startedAt) / 1000;
    const samples: StripSample[] = [];
    let last = first;
    for (let t = 0; t < spec.seconds; t++) {
      await sleep(windowStart + (t + 1) * 1000 - Date.now());
      const [now, taken] = [await read(page), await takeStripSamples(page)];
      samples.push(...taken);
      const inSecond = taken.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
      result.series.push({
        t,
        g2gMs: inSecond.length === 0 ? null : percentile(inSecond, 50),
        frames: taken.length,
        estimateMs: now.liveLatencyEstimate === null ? null : Math.round(now.liveLatencyEstimate * 1000),
        playbackRate: now.playbackRate,
        bufferAhead: now.bufferAhead === null ? null : Math.round(now.bufferAhead * 1000) / 1000,
        height: now.renditionHeight,
        stalled: now.status === 'stalled' || now.stallCount > last.stallCount,
        limitKbps: network.kbpsAt(windowStart + t * 1000 + 500),
      });
      last = now;
      if (now.status === 'error') throw new Error(`player error: ${now.error ?? 'unknown'}`);
    }

    const readable = samples.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
    result.seconds = (last.at - windowStart) / 1000;
    result.g2g = summarize(readable);
    result.unreadableFrames = samples.length - readable.length;
    // Every player's own reading against the strip, frame by frame: both taken in the frame's
    // requestVideoFrameCallback, so a reading is never compared with a frame from another moment.
    result.estimateError = summarize(
      samples.flatMap((s) => (s.glassToGlassMs === null || s.estimateMs === null ? [] : [Math.abs(s.estimateMs - s.glassToGlassMs)])),
    );
    if (spec.player === 'llstream') {
      result.reportedTarget = await page.evaluate(
        () => (document.querySelector('ll-player') as unknown as { player: { getSnapshot(): { targetLatency: number } } }).player.getSnapshot().targetLatency,
      );
    }
    result.stallCount = last.stallCount - first.stallCount;
    result.stallTimeMs = Math.round(last.stallTimeMs - first.stallTimeMs);
    result.seekCount = last.seekCount - first.seekCount;
    result.renditionSwitches = last.renditionSwitches - first.renditionSwitches;
    result.meanBitrateKbps = Math.round((last.bitSeconds - first.bitSeconds) / (last.at - first.at));
    result.droppedFrames = (last.droppedFrames ?? 0) - (first.droppedFrames ?? 0);
    result.presentedFrames = samples.length;
  } catch (error) {
    // Playwright appends the browser's log to its messages: keep the first line.
    result.error = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  } finally {
    await emulator?.stop();
    await page?.close().catch(() => undefined);
    result.loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  }
  return result;
}
