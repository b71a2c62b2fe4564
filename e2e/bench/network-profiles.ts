import { readFile } from 'node:fs/promises';
import type { CDPSession, Page } from 'playwright-core';

/** One step of a bandwidth pattern. */
export interface NetworkStep {
  /** Download throughput, kilobits per second. */
  kbps: number;
  /** How long the step lasts, seconds. */
  seconds: number;
}

/**
 * The shared bandwidth patterns (../shared/bench/network-profiles.json:
 * the Twitch ACM MMSys 2020 challenge's patterns; `clean` has no steps and
 * means no throttling).
 */
export const profilesUrl = new URL('../../../shared/bench/network-profiles.json', import.meta.url);

/** Reads the profiles file: profile name → steps (empty for unthrottled). */
export async function loadProfiles(): Promise<Record<string, NetworkStep[]>> {
  const file = JSON.parse(await readFile(profilesUrl, 'utf8')) as { profiles: Record<string, NetworkStep[]> };
  return file.profiles;
}

/** Seconds of one pass through `steps` (0 for an unthrottled profile). */
export function passSeconds(steps: readonly NetworkStep[]): number {
  return steps.reduce((sum, step) => sum + step.seconds, 0);
}

/** The step in force `elapsedSeconds` after the pattern started, the steps looping; null when unthrottled. */
export function stepAt(steps: readonly NetworkStep[], elapsedSeconds: number): NetworkStep | null {
  const pass = passSeconds(steps);
  if (pass === 0) return null;
  let t = elapsedSeconds % pass;
  for (const step of steps) {
    if (t < step.seconds) return step;
    t -= step.seconds;
  }
  return steps[steps.length - 1]!;
}

/**
 * Sets the download throughput of `session`'s page the way the profiles'
 * source did: `Network.emulateNetworkConditions` with no added latency and
 * unlimited upload. `kbps` null lifts the limit.
 */
export async function setDownloadKbps(session: CDPSession, kbps: number | null): Promise<void> {
  await session.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: kbps === null ? -1 : (kbps * 1000) / 8,
    uploadThroughput: -1,
  });
}

/**
 * Plays a bandwidth pattern on one page through the Chrome DevTools protocol,
 * looping its steps until {@link NetworkEmulator.stop}. Step boundaries are
 * scheduled from the start time, so timer lateness does not accumulate.
 */
export class NetworkEmulator {
  readonly #steps: readonly NetworkStep[];
  readonly #session: CDPSession;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #stopped = false;

  private constructor(session: CDPSession, steps: readonly NetworkStep[]) {
    this.#session = session;
    this.#steps = steps;
  }

  /** Opens a CDP session on `page` and enables its Network domain (no throttling yet). */
  static async attach(page: Page, steps: readonly NetworkStep[]): Promise<NetworkEmulator> {
    const session = await page.context().newCDPSession(page);
    await session.send('Network.enable');
    return new NetworkEmulator(session, steps);
  }

  /** Wall-clock ms (`Date.now()`) at which step 0 was applied. */
  get startedAt(): number {
    return this.#startedAt;
  }

  /** The download limit in force at `at` (epoch ms), kbit/s, or null when unthrottled. */
  kbpsAt(at: number): number | null {
    if (this.#startedAt === 0) return null;
    return stepAt(this.#steps, (at - this.#startedAt) / 1000)?.kbps ?? null;
  }

  /** Applies the first step now and schedules the rest. Does nothing for an unthrottled profile. */
  async start(): Promise<void> {
    this.#startedAt = Date.now();
    if (this.#steps.length === 0) return;
    await setDownloadKbps(this.#session, this.#steps[0]!.kbps);
    this.#scheduleAfter(0, this.#steps[0]!.seconds);
  }

  #scheduleAfter(index: number, boundarySeconds: number): void {
    if (this.#stopped) return;
    const next = (index + 1) % this.#steps.length;
    const delay = this.#startedAt + boundarySeconds * 1000 - Date.now();
    this.#timer = setTimeout(() => {
      // A page closed under us ends the session; the run is over then anyway.
      setDownloadKbps(this.#session, this.#steps[next]!.kbps).catch(() => undefined);
      this.#scheduleAfter(next, boundarySeconds + this.#steps[next]!.seconds);
    }, Math.max(0, delay));
  }

  /** Stops stepping and lifts the limit. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#steps.length > 0) await setDownloadKbps(this.#session, null).catch(() => undefined);
    await this.#session.detach().catch(() => undefined);
  }
}
