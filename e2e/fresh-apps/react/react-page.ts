import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Page } from 'playwright-core';
import { freePort } from '../../src/origin.js';

/** A static server of a built Vite app (`vite preview`), run as a child process. */
export interface PreviewServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** Everything it printed, for failure reports. */
  readonly output: string[];
  /** SIGTERM; resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Runs `vite preview` (the `vite` CLI at `viteBin`, with `args`, in `cwd`) on
 * a free loopback port and resolves once it answers.
 * @throws Error with its output when it exits or does not answer within 20 s.
 */
export async function startVitePreview(viteBin: string, cwd: string, args: string[] = [], env?: NodeJS.ProcessEnv): Promise<PreviewServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child: ChildProcess = spawn(process.execPath, [viteBin, 'preview', ...args, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd,
    env: env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream! }).on('line', (line) => output.push(line));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(url)).ok) return { url, output, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`vite preview did not answer on ${url}:\n${output.join('\n')}`);
}

/**
 * Waits until a React page put its core player on `window.__llPlayer` (the
 * `<LLPlayer>` ref). The strip probe and `measureLatency` read the rendered
 * `<ll-player>` (`{ selector: 'll-player' }`), which carries `video` and `player`.
 */
export async function exposeReactPlayer(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as { __llPlayer?: unknown }).__llPlayer, null, { timeout: 30_000 });
}
