import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** A running origin process (the built `llstream-origin` CLI). */
export interface OriginProcess {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** `Date.now()` when the origin first answered an HTTP request (any status), before its stream was ready. */
  readonly answeredAt: number;
  /** Every log line the origin printed so far (pino JSON), for assertions and failure reports. */
  readonly logs: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOriginOptions {
  /** TCP port to listen on, e.g. the port of an origin that was stopped, to restart it in place. @defaultValue a free port */
  port?: number;
  /** Extra CLI arguments. */
  args?: string[];
  /** How long to wait for the origin to answer (and for `waitForStream`'s first manifest). @defaultValue 20 000 ms */
  readyTimeoutMs?: number;
  /** Stream whose manifest must be served before `startOrigin` resolves; `null`: only wait for `/healthz`. @defaultValue 'demo' */
  waitForStream?: string | null;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

function cliPath(): string {
  const require = createRequire(import.meta.url);
  // The package's main entry is dist/index.js; the CLI is built beside it.
  return join(dirname(require.resolve('@llstream/server')), 'cli.js');
}

/**
 * Starts the real origin (with its built-in ffmpeg test source unless told
 * otherwise) as a child process on a free port and waits until the stream's
 * manifest is served.
 *
 * @throws Error with the origin's last log lines when it exits or is not ready in time.
 */
export async function startOrigin(options: StartOriginOptions = {}): Promise<OriginProcess> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [cliPath(), '--port', String(port), '--host', '127.0.0.1', ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      logs.push(line);
      if (logs.length > 2000) logs.splice(0, 1000);
    });
  }
  const exited = once(child, 'exit');

  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const stream = options.waitForStream === undefined ? 'demo' : options.waitForStream;
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let answeredAt: number | null = null;
  // Readiness, not timing: the origin listens once its preflight checks pass, and a
  // stream's first manifest appears once ffmpeg has encoded its first segment.
  const readyUrl = stream === null ? `${url}/healthz` : `${url}/live/${stream}/manifest.mpd`;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`origin exited with ${child.exitCode} before ${readyUrl} answered:\n${logs.slice(-20).join('\n')}`);
    }
    const ok = await fetch(readyUrl).then(
      (r) => {
        answeredAt ??= Date.now();
        return r.ok;
      },
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${readyUrl} not served within ${timeoutMs} ms:\n${logs.slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, port, child, logs, stop, answeredAt: answeredAt ?? Date.now() };
}
