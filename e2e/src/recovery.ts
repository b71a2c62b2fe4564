import type { Page } from 'playwright-core';
import { percentile } from './stats.js';
import { installStripProbe, takeStripSamples, type StripSample } from './strip-probe.js';

/** One change of the `<ll-player>`'s status, as the page saw it. */
export interface StatusChange {
  /** `Date.now()` in the page, ms. */
  at: number;
  status: string;
  /** `snapshot.error.message`, or null. */
  error: string | null;
}

interface PlayerHost {
  player?: {
    getSnapshot(): { status: string; error: { message: string } | null };
    subscribe(listener: () => void): () => void;
  };
}

/**
 * Opens `url` (a page with one `<ll-player>`) in a new page, waits until it
 * plays, marks the document (see {@link sameDocument}), records every status
 * change of the player (see {@link statusChanges}) and installs the strip
 * probe.
 */
export async function openPlayingPage(context: { newPage(): Promise<Page> }, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector<HTMLElement & PlayerHost>('ll-player')?.player?.getSnapshot().status === 'playing', null, {
    timeout: 30_000,
  });
  await page.evaluate(() => {
    const player = document.querySelector<HTMLElement & PlayerHost>('ll-player')!.player!;
    const changes: StatusChange[] = [];
    let last = '';
    player.subscribe(() => {
      const { status, error } = player.getSnapshot();
      const key = `${status}|${error?.message ?? ''}`;
      if (key === last) return;
      last = key;
      changes.push({ at: Date.now(), status, error: error?.message ?? null });
    });
    Object.assign(window, { __statusChanges: changes, __sameDocument: true });
  });
  await installStripProbe(page, { selector: 'll-player' });
  return page;
}

/** Whether the page is still the document {@link openPlayingPage} opened (no reload, no navigation). */
export function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

/** Takes (and clears) the player's status changes recorded so far. */
export function statusChanges(page: Page): Promise<StatusChange[]> {
  return page.evaluate(() => {
    const changes = (window as unknown as { __statusChanges: StatusChange[] }).__statusChanges;
    return changes.splice(0, changes.length);
  });
}

/** The player's current status. */
export function playerStatus(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector<HTMLElement & PlayerHost>('ll-player')!.player!.getSnapshot().status);
}

export interface BackAtLive {
  /** ms from `since` to the end of the first window whose strip median was under the bound; null when none was within the timeout. */
  afterMs: number | null;
  /** Every strip sample taken while waiting. */
  samples: StripSample[];
}

/**
 * Reads the strip until the picture is back at live: the median
 * glass-to-glass latency of the frames presented in a `windowMs` window is
 * under `boundMs` (and the window has at least one frame per 100 ms, so a
 * frozen picture does not count). Only frames presented after `from` count;
 * earlier samples are discarded.
 *
 * @param since - `Date.now()` the recovery time is counted from (the fault, or its end).
 * @param from - `Date.now()` before which presented frames are ignored (frames still buffered from before the fault). @defaultValue `since`
 * @param timeoutMs - how long after `since` to keep reading.
 */
export async function waitForBackAtLive(
  page: Page,
  {
    since,
    from = since,
    boundMs,
    windowMs = 1000,
    timeoutMs = 15_000,
  }: { since: number; from?: number; boundMs: number; windowMs?: number; timeoutMs?: number },
): Promise<BackAtLive> {
  const samples: StripSample[] = [];
  await takeStripSamples(page);
  while (Date.now() < since + timeoutMs) {
    await page.waitForTimeout(250);
    samples.push(...(await takeStripSamples(page)).filter((s) => s.at > from));
    const end = samples.at(-1)?.at;
    if (end === undefined) continue;
    const window = samples.filter((s) => s.at > end - windowMs);
    const readings = window.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
    if (readings.length >= windowMs / 100 && percentile(readings, 50) < boundMs) {
      return { afterMs: end - since, samples };
    }
  }
  return { afterMs: null, samples };
}
