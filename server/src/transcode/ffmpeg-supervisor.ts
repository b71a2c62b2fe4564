import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { FfmpegLog, type FfmpegLogOptions } from './ffmpeg-log.js';

/**
 * Lifecycle of a supervised ffmpeg:
 * `idle` (not started), `running`, `backoff` (exited, restart pending),
 * `stopped` (stopped for good).
 */
export type FfmpegState = 'idle' | 'running' | 'backoff' | 'stopped';

/** How the last ffmpeg run ended. */
export interface FfmpegExit {
  /** Exit code, or null if it was killed by a signal or never started. */
  code: number | null;
  /** Signal that ended it, or null. */
  signal: NodeJS.Signals | null;
  /** Why it could not be started, if it could not. */
  error?: string;
  /** How long it ran, seconds. */
  ranFor: number;
  /** When it ended, ISO 8601. */
  at: string;
}

/** Snapshot for `/healthz`. */
export interface FfmpegStatus {
  state: FfmpegState;
  /** Process id while running. */
  pid: number | undefined;
  /** Restarts after an exit so far. */
  restarts: number;
  /** Seconds the current run has lasted, while running. */
  uptime: number | undefined;
  lastExit: FfmpegExit | undefined;
}

/** Options of {@link FfmpegSupervisor}. */
export interface FfmpegSupervisorOptions {
  /** The ffmpeg binary (a path, or a name looked up on PATH). */
  command: string;
  /** The arguments of each run, built afresh for every start. */
  args: () => string[];
  logger: Logger;
  /**
   * Delay before the first restart after an exit, ms; doubles with each
   * consecutive quick exit.
   * @defaultValue 500 ms
   */
  initialRestartDelay?: number;
  /** Longest delay between restarts, ms. @defaultValue 30 000 ms */
  maxRestartDelay?: number;
  /** A run at least this long (ms) resets the delay to `initialRestartDelay`. @defaultValue 10 000 ms */
  healthyRunTime?: number;
  /** Time from SIGTERM to SIGKILL when stopping, ms. @defaultValue 3000 ms */
  stopTimeout?: number;
  /** stderr handling. */
  log?: FfmpegLogOptions;
}

/**
 * Runs ffmpeg as a child process and keeps it running: an exit is logged
 * (code or signal, with ffmpeg's last stderr lines) and followed by a
 * restart after an exponential backoff, reset by a healthy run. Its death is
 * an event for the origin, never a crash. {@link FfmpegSupervisor.stop}
 * ends it (SIGTERM, then SIGKILL); if the Node process exits without
 * stopping it, the child is killed on the way out.
 */
export class FfmpegSupervisor {
  #options: Required<Omit<FfmpegSupervisorOptions, 'log'>> & { log: FfmpegLogOptions };
  #state: FfmpegState = 'idle';
  #child: ChildProcess | undefined;
  #childStartedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelay: number;
  #restarts = 0;
  #lastExit: FfmpegExit | undefined;
  #killOnExit = (): void => {
    this.#child?.kill('SIGKILL');
  };

  constructor(options: FfmpegSupervisorOptions) {
    this.#options = {
      initialRestartDelay: 500,
      maxRestartDelay: 30_000,
      healthyRunTime: 10_000,
      stopTimeout: 3000,
      log: {},
      ...options,
    };
    this.#restartDelay = this.#options.initialRestartDelay;
  }

  /** Current state. */
  get state(): FfmpegState {
    return this.#state;
  }

  /** Counters for `/healthz`. */
  status(): FfmpegStatus {
    return {
      state: this.#state,
      pid: this.#child?.pid,
      restarts: this.#restarts,
      uptime: this.#child === undefined ? undefined : (performance.now() - this.#childStartedAt) / 1000,
      lastExit: this.#lastExit,
    };
  }

  /** Starts ffmpeg. Only the first call does anything. */
  start(): void {
    if (this.#state !== 'idle') return;
    process.once('exit', this.#killOnExit);
    this.#spawn();
  }

  /**
   * Stops ffmpeg for good: SIGTERM, SIGKILL after `stopTimeout`, resolved
   * once the process has exited. Cancels a pending restart.
   */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    clearTimeout(this.#restartTimer);
    process.off('exit', this.#killOnExit);
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'close');
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), this.#options.stopTimeout);
    await exited;
    clearTimeout(killTimer);
  }

  #spawn(): void {
    const { command, args, logger } = this.#options;
    const child = spawn(command, args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#childStartedAt = performance.now();
    this.#state = 'running';
    const childLogger = logger.child({ pid: child.pid });
    const stderr = new FfmpegLog(childLogger, this.#options.log);
    child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    // 'close' comes after 'exit' and after stderr is drained, and also
    // after a failed spawn, which emits no 'exit'.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      stderr.flush();
      this.#onExit(child, { code, signal, error: spawnError?.message, tail: stderr.tail });
    });
    if (child.pid !== undefined) childLogger.info({ command, args: child.spawnargs.slice(1) }, 'ffmpeg started');
  }

  #onExit(
    child: ChildProcess,
    ended: { code: number | null; signal: NodeJS.Signals | null; error: string | undefined; tail: readonly string[] },
  ): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    const ranFor = performance.now() - this.#childStartedAt;
    this.#lastExit = {
      code: ended.code,
      signal: ended.signal,
      ...(ended.error === undefined ? {} : { error: ended.error }),
      ranFor: ranFor / 1000,
      at: new Date().toISOString(),
    };
    const { logger, initialRestartDelay, maxRestartDelay, healthyRunTime } = this.#options;
    if (this.#state === 'stopped') {
      logger.info({ pid: child.pid, code: ended.code, signal: ended.signal }, 'ffmpeg stopped');
      return;
    }
    if (ranFor >= healthyRunTime) this.#restartDelay = initialRestartDelay;
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(maxRestartDelay, delay * 2);
    logger.warn(
      { pid: child.pid, ...this.#lastExit, restartIn: delay, lastLines: ended.tail },
      'ffmpeg exited; restarting',
    );
    this.#state = 'backoff';
    this.#restartTimer = setTimeout(() => {
      this.#restarts += 1;
      this.#spawn();
    }, delay);
  }
}
