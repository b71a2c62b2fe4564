import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Directory of the shipped edge configs (`llstream.vcl`, `example.vcl`, the
 * CDN guides): `server/edge/`, the same from `src/edge/` and `dist/edge/`.
 */
export const EDGE_CONFIG_DIR = fileURLToPath(new URL('../../edge/', import.meta.url));

/** Options of {@link startEdge}. */
export interface EdgeOptions {
  /** The origin to put the edge in front of: `http://host:port` (no path; HTTPS backends need Varnish Enterprise or a TLS proxy). */
  origin: string;
  /** Port the edge listens on. @defaultValue 8081 */
  port?: number;
  /** Address the edge listens on. @defaultValue `'127.0.0.1'` */
  host?: string;
  /** varnishd binary. @defaultValue `'varnishd'` on PATH, then `/usr/sbin/varnishd` (Debian puts it there, outside a user's PATH) */
  varnishd?: string;
  /**
   * Varnish's work directory (`-n`): shared memory log and the compiled VCL.
   * Created if missing, removed by {@link Edge.stop} only if this function
   * created it. @defaultValue a fresh `llstream-edge-*` directory under the OS temp dir
   */
  workDir?: string;
  /** Cache storage (`-s`). @defaultValue `'malloc,256m'`: a few minutes of a 4-rung ladder */
  storage?: string;
  /** Extra runtime parameters (`-p name=value`), e.g. `{ thread_pool_min: '200' }`. */
  params?: Record<string, string>;
  /**
   * VCL files included before `llstream.vcl` (absolute paths, or names
   * found in `server/edge/`), e.g. the signed playback URL check: their
   * subroutines can be called from `llstream.vcl`, and their `vcl_recv`
   * runs before its own (Varnish joins same-named subroutines in order).
   * @defaultValue none
   */
  include?: string[];
  /** How long to wait for the edge to answer, ms. @defaultValue 15 000 */
  readyTimeoutMs?: number;
  /** Where varnishd's stdout/stderr go: `'pipe'` keeps them in {@link Edge.output}, `'inherit'` shows them. @defaultValue 'pipe' */
  output?: 'pipe' | 'inherit';
}

/** A running Varnish edge started by {@link startEdge}. */
export interface Edge {
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  readonly port: number;
  /** varnishd's manager process id. */
  readonly pid: number;
  /** The `-n` work directory (pass to `varnishstat -n`, `varnishlog -n`). */
  readonly workDir: string;
  /** The wrapper VCL given to varnishd (backend + includes). */
  readonly vclFile: string;
  /** varnishd's output so far, when `output` is `'pipe'` (its last 200 lines). */
  readonly output: string[];
  /** Resolves with varnishd's exit code (or the signal) when it exits for any reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to varnishd. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL after `graceMs` (default 5000); removes a work dir this edge created. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** varnishd is not installed (or not where {@link EdgeOptions.varnishd} says). */
export class VarnishNotFoundError extends Error {
  constructor(binary: string) {
    super(
      `varnishd not found (tried ${binary}): install Varnish 7 (Debian/Ubuntu: apt-get install varnish, or run scripts/setup.sh) ` +
        'or name the binary with --varnishd <path>',
    );
    this.name = 'VarnishNotFoundError';
  }
}

/** varnishd started but exited, or did not answer in time (bad VCL, port taken, ...). */
export class EdgeStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EdgeStartError';
  }
}

/** The origin URL split for a Varnish backend definition. */
export function parseOriginUrl(origin: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new TypeError(`origin: not a URL: ${JSON.stringify(origin)} (expected e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:') throw new TypeError(`origin: ${origin}: only http:// origins (Varnish speaks plain HTTP to its backends)`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new TypeError(`origin: ${origin}: no path or query, only scheme, host and port`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port === '' ? 80 : Number(url.port) };
}

/**
 * The wrapper VCL `startEdge` gives varnishd: the `origin` backend, any
 * extra includes, then `llstream.vcl` (resolved through `-p vcl_path`).
 * Generating these few lines is the simplest way to pass the backend's
 * address in: VCL has no variables at load time, and `-b` cannot be used
 * together with `-f`.
 */
export function edgeVcl(origin: string, include: readonly string[] = []): string {
  const { host, port } = parseOriginUrl(origin);
  const lines = [
    'vcl 4.1;',
    '',
    'backend origin {',
    `    .host = ${JSON.stringify(host)};`,
    `    .port = "${port}";`,
    '}',
    '',
    ...include.map((file) => `include ${JSON.stringify(file)};`),
    'include "llstream.vcl";',
    '',
  ];
  return lines.join('\n');
}

function waitForPort(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function spawnVarnishd(binary: string, args: string[], output: 'pipe' | 'inherit'): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', output, output] });
  const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (error) => resolve(error));
  });
  if (failed?.code === 'ENOENT') throw new VarnishNotFoundError(binary);
  if (failed !== undefined) throw failed;
  return child;
}

/**
 * Starts Varnish (`varnishd -F`, in the foreground, as a child process) in
 * front of a running llstream origin, with `server/edge/llstream.vcl`, and
 * resolves once it accepts connections and has loaded its VCL.
 *
 * @throws TypeError for a bad `origin` URL.
 * @throws VarnishNotFoundError if varnishd is not installed.
 * @throws EdgeStartError if varnishd exits first (its output is in the
 *   message: a VCL error, a port in use) or is not ready within `readyTimeoutMs`.
 */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8081;
  const output = options.output ?? 'pipe';
  const vcl = edgeVcl(options.origin, options.include);
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'llstream-edge-')));
  // varnishd compiles the VCL as its unprivileged user when started as root.
  await chmod(workDir, 0o755);
  const vclFile = join(workDir, 'edge.vcl');
  await writeFile(vclFile, vcl, { mode: 0o644 });

  const args = [
    '-F',
    '-n',
    workDir,
    '-a',
    `${host.includes(':') ? `[${host}]` : host}:${port}`,
    '-f',
    vclFile,
    '-p',
    `vcl_path=${EDGE_CONFIG_DIR.replace(/\/$/, '')}:${dirname(vclFile)}`,
    '-s',
    options.storage ?? 'malloc,256m',
    ...Object.entries(options.params ?? {}).flatMap(([name, value]) => ['-p', `${name}=${value}`]),
  ];
  let child: ChildProcess;
  const candidates = options.varnishd === undefined ? ['varnishd', '/usr/sbin/varnishd'] : [options.varnishd];
  for (let i = 0; ; i++) {
    try {
      child = await spawnVarnishd(candidates[i]!, args, output);
      break;
    } catch (error) {
      if (!(error instanceof VarnishNotFoundError) || i === candidates.length - 1) {
        if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
        if (error instanceof VarnishNotFoundError) throw new VarnishNotFoundError(candidates.join(', '));
        throw error;
      }
    }
  }

  const lines: string[] = [];
  if (output === 'pipe') {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (text: string) => {
        lines.push(...text.split('\n').filter((line) => line.trim() !== ''));
        if (lines.length > 200) lines.splice(0, lines.length - 200);
      });
    }
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  // The manager binds the listen socket at once but answers only when its
  // child has loaded the VCL; "Child (N) Started" on its output says so.
  // With output inherited there is nothing to read: an HTTP answer says so.
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (hasExited) {
      await stop();
      throw new EdgeStartError(`varnishd exited before it was ready:\n${lines.join('\n')}`);
    }
    const ready =
      output === 'pipe'
        ? lines.some((line) => /Child \(\d+\) Started/.test(line)) && (await waitForPort(host, port))
        : await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/ingest`).then((r) => r.status === 403, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new EdgeStartError(`varnishd was not ready within ${options.readyTimeoutMs ?? 15_000} ms:\n${lines.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    pid: child.pid!,
    workDir,
    vclFile,
    output: lines,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (!hasExited) child.kill(signal);
    },
    stop,
  };
}
