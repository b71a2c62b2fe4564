// Child processes and /proc sampling shared by bench:origin and bench:soak.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** USER_HZ on Linux (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** A child process with the last 20 lines of its output kept for error messages. */
export interface Child {
  child: ChildProcess;
  name: string;
  tail: string[];
  /** Set by stopProcess: its exit is expected. */
  stopping: boolean;
}

let stopping = false;
/** From now on a child's exit is expected, not an error. */
export function expectExits(): void {
  stopping = true;
}

function watch(child: ChildProcess, name: string): Child {
  const tail: string[] = [];
  for (const output of [child.stdout, child.stderr]) {
    output?.on('data', (data: Buffer) => {
      tail.push(...data.toString().split('\n').filter((line) => line !== ''));
      tail.splice(0, Math.max(0, tail.length - 20));
    });
  }
  const watched: Child = { child, name, tail, stopping: false };
  child.on('exit', (code, signal) => {
    if (!stopping && !watched.stopping) {
      console.error(`${name} exited (code ${String(code)}, signal ${String(signal)}):\n${tail.join('\n')}`);
      process.exitCode = 1;
    }
  });
  return watched;
}

/** Spawns `command` in server/. */
export function startProcess(command: string, args: string[], name: string): Child {
  return watch(spawn(command, args, { cwd: serverDir, stdio: ['ignore', 'pipe', 'pipe'] }), name);
}

/** Forks a TypeScript module of server/bench under tsx, with an IPC channel, and waits for its `{ type: 'ready' }`. */
export async function forkModule(module: string, args: string[], name: string, nice = 0): Promise<Child> {
  const child = fork(join(serverDir, 'bench', module), args, {
    cwd: serverDir,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  if (nice !== 0 && child.pid !== undefined) spawn('renice', ['-n', String(nice), '-p', String(child.pid)], { stdio: 'ignore' });
  const watched = watch(child, name);
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: { type?: string }): void => {
      if (message.type === 'ready') {
        child.off('message', onMessage);
        resolve();
      }
    };
    child.on('message', onMessage);
    child.once('exit', () => reject(new Error(`${name} exited before it was ready:\n${watched.tail.join('\n')}`)));
  });
  return watched;
}

/** Sends `message` and resolves with the first answer of type `type`. */
export function ask<T>(child: ChildProcess, message: object, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} answer in ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (answer: { type?: string }): void => {
      if (answer.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(answer as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

export async function stopProcess(watched: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  watched.stopping = true;
  const { child } = watched;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** `pid` and its descendants (through /proc/PID/task/TID/children). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let index = 0; index < pids.length; index++) {
    const current = pids[index]!;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim();
        if (children !== '') pids.push(...children.split(' ').map(Number));
      } catch {
        // The task ended meanwhile.
      }
    }
  }
  return pids;
}

/** CPU seconds (utime + stime) used by the processes so far; 0 for any that is gone. */
export function cpuSeconds(pids: readonly number[]): number {
  const { user, system } = cpuSplit(pids);
  return user + system;
}

/** CPU seconds in user space (utime) and in the kernel (stime) used by the processes so far. */
export function cpuSplit(pids: readonly number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesized command name; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(fields[11]) / CLOCK_TICKS;
      system += Number(fields[12]) / CLOCK_TICKS;
    } catch {
      // Gone.
    }
  }
  return { user, system };
}

/** Resident set of a process, bytes. */
export function rssBytes(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

/** Open file descriptors of a process. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** ffmpeg publishing one rendition of testsrc2 in low-latency DASH to `originUrl`'s ingest, as stream `stream`. */
export function startPublisher(originUrl: string, stream: string, height: number, bitrate: string): Child {
  const tag = Date.now().toString(36);
  return startProcess(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning'],
      ...['-re', '-f', 'lavfi', '-i', `testsrc2=size=${Math.round((height * 16) / 9 / 2) * 2}x${height}:rate=30`],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '0', '-pix_fmt', 'yuv420p'],
      ...['-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate],
      ...['-f', 'dash', '-ldash', '1', '-streaming', '1', '-frag_type', 'every_frame', '-seg_duration', '1'],
      ...['-write_prft', '1', '-utc_timing_url', `${originUrl}/time`, '-target_latency', '1', '-use_timeline', '0', '-use_template', '1'],
      ...['-window_size', '5', '-extra_window_size', '3', '-adaptation_sets', 'id=0,streams=v'],
      ...['-method', 'PUT', '-http_persistent', '1'],
      ...['-init_seg_name', `init-${tag}-$RepresentationID$.m4s`, '-media_seg_name', `seg-${tag}-$RepresentationID$-$Number%05d$.m4s`],
      `${originUrl}/ingest/${stream}/manifest.mpd`,
    ],
    'ffmpeg',
  );
}

/** GET as text (node:http, no keep-alive). */
export async function getText(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url).catch(() => undefined);
  if (response === undefined) return { status: 0, body: '' };
  return { status: response.status, body: await response.text() };
}
