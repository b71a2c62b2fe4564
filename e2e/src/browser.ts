import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Path of the Chromium binary: `CHROMIUM_PATH`, else Debian's package, else
 * Ubuntu's snap (browser downloads are impossible here).
 */
export const chromiumPath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/snap/bin/chromium'].find((p) => existsSync(p)) ?? '/usr/bin/chromium';

/**
 * Flags for Debian's Chromium in headless mode on this machine: without the
 * background-networking ones it tries to reach Google hosts and gets refused;
 * as root it needs --no-sandbox; autoplay must not wait for a gesture.
 */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  // A hidden headless tab is still "visible"; keep timers and rVFC at full rate.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile directory. */
export async function launchBrowser(): Promise<Browser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'llstream-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
