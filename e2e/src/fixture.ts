import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchBrowser, type Browser } from './browser.js';
import { startOrigin, type OriginProcess, type StartOriginOptions } from './origin.js';
import type { Publisher } from './publishers.js';

/** What {@link useOriginAndBrowser} hands a `describe` block. */
export interface OriginAndBrowser {
  /** The running origin; only inside tests and hooks. */
  readonly origin: OriginProcess;
  /** Headless Chromium; only inside tests and hooks. */
  readonly browser: Browser;
  /** Stops `publisher` after the current test, whatever it did. */
  track(publisher: Publisher): Publisher;
  /**
   * Starts a new origin process with the same options on the same port, once
   * the running one has exited (a test kills or stops it first), and resolves
   * when its stream is served; `origin` is the new process from then on.
   * @throws Error when the old process is still running.
   */
  restartOrigin(): Promise<OriginProcess>;
}

/**
 * For the enclosing `describe`: starts an origin (with `options()`, which may
 * prepare a config first) and a browser before its tests, stops every tracked
 * publisher after each test, and stops browser and origin after the block.
 */
export function useOriginAndBrowser(options: () => StartOriginOptions | Promise<StartOriginOptions> = () => ({})): OriginAndBrowser {
  let origin: OriginProcess | undefined;
  let browser: Browser | undefined;
  const publishers: Publisher[] = [];
  let startOptions: StartOriginOptions = {};
  beforeAll(async () => {
    startOptions = await options();
    origin = await startOrigin(startOptions);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await browser?.close();
    await origin?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only there inside tests and hooks`);
    return value;
  };
  return {
    get origin() {
      return started(origin, 'the origin');
    },
    get browser() {
      return started(browser, 'the browser');
    },
    track(publisher) {
      publishers.push(publisher);
      return publisher;
    },
    async restartOrigin() {
      const old = started(origin, 'the origin');
      if (old.child.exitCode === null && old.child.signalCode === null) throw new Error('restartOrigin(): the origin is still running');
      origin = await startOrigin({ ...startOptions, port: old.port });
      return origin;
    },
  };
}
