import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { FfmpegLog, type FfmpegLogOptions } from './ffmpeg-log.js';
import { closeDescriptors, secretFileDescriptors } from './secret-files.js';

/**
 * Lifecycle of a supervised ffmpeg:
 * `idle` (not started), `running`, `backoff` (exited, restart pending),
 * `stopped` (stopped for good by {@link FfmpegSupervisor.stop}),
 * `ended` (exited with code 0 and `endOnSuccess` is set: its input finished),
 * `failed` (exited `maxRestarts + 1` times in a row without a healthy run; no more restarts).
 */
export type FfmpegState = 'idle' | 'running' | 'backoff' | 'stopped' | 'ended' | 'failed';

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
  /** ffmpeg's last stderr lines before it ended, oldest first. */
  lastLines: string[];
}

/** Snapshot for `/healthz` and the streams API. */
export interface FfmpegStatus {
  state: FfmpegState;
  /** Process id while running. */
  pid: number | undefined;
  /** Restarts after an exit so far. */
  restarts: number;
  /** Exits in a row without a healthy run (reset by a run of at least `healthyRunTime`). */
  consecutiveFailures: number;
  /** Seconds the current run has lasted, while running. */
  uptime: number | undefined;
  lastExit: FfmpegExit | undefined;
}

/** A line of ffmpeg's `-progress` report (sent about once a second). */
export interface FfmpegProgress {
  /** Encoding speed relative to real time (1 = real time); undefined until ffmpeg knows it. */
  speed: number | undefined;
  /** Output frames so far. */
  frame: number | undefined;
}

/** First file descriptor of {@link FfmpegInvocation.fdTexts}: 0 to 2 are stdin, stdout and stderr. */
const FIRST_TEXT_FD = 3;

/**
 * The path a child reads {@link FfmpegInvocation.fdTexts}`[index]` from
 * (`/dev/fd/3`, `/dev/fd/4`, ...).
 */
export function fdTextPath(index: number): string {
  return `/dev/fd/${FIRST_TEXT_FD + index}`;
}

/**
 * The ffmpeg URL of the same pipe (`pipe:3`, ...), for an input: unlike
 * {@link fdTextPath} it needs only the `pipe` protocol, so an input's
 * `-protocol_whitelist` can leave `file` out.
 */
export function fdTextUrl(index: number): string {
  return `pipe:${FIRST_TEXT_FD + index}`;
}

/**
 * The ffmpeg URL (`pipe:N`) of output pipe `index` of a run that reads
 * `textCount` {@link FfmpegInvocation.fdTexts}: output pipes
 * ({@link FfmpegSupervisorOptions.outputPipes}) come after the texts.
 */
export function outputPipeUrl(textCount: number, index: number): string {
  return `pipe:${outputPipeDescriptor(textCount, index)}`;
}

/** The descriptor (and `child.stdio` index) of the same output pipe as {@link outputPipeUrl}. */
export function outputPipeDescriptor(textCount: number, index: number): number {
  return FIRST_TEXT_FD + textCount + index;
}

/** One ffmpeg run: its argument vector and the texts it reads from extra file descriptors. */
export interface FfmpegInvocation {
  args: string[];
  /**
   * Texts the child reads from file descriptors 3, 4, ... (the arguments
   * name them with {@link fdTextPath} or {@link fdTextUrl}): secrets
   * (ingest credentials, SRT passphrases, URLs with passwords) that must not
   * be in the command line, which any local user can read from
   * `/proc/PID/cmdline`. Each is an unlinked private file
   * ({@link secretFileDescriptors}): only the process's own user can
   * reach it, through the descriptor.
   */
  fdTexts?: readonly string[];
}

/** Options of {@link FfmpegSupervisor}. */
export interface FfmpegSupervisorOptions {
  /** The ffmpeg binary (a path, or a name looked up on PATH). */
  command: string;
  /** The arguments (and secret texts, see {@link FfmpegInvocation}) of each run, built afresh for every start. */
  args: () => string[] | FfmpegInvocation;
  logger: Logger;
  /**
   * Delay before the first restart after an exit, ms; doubles with each
   * consecutive quick exit.
   * @defaultValue 500 ms
   */
  initialRestartDelay?: number;
  /** Longest delay between restarts, ms. @defaultValue 30 000 ms */
  maxRestartDelay?: number;
  /** A run at least this long (ms) resets the delay and the failure count. @defaultValue 10 000 ms */
  healthyRunTime?: number;
  /**
   * Restarts allowed after consecutive failed runs (runs shorter than
   * `healthyRunTime`); the exit after that many restarts moves the
   * supervisor to `failed`. With the default backoff, 5 restarts give up
   * about 15 s after the first failure.
   * @defaultValue 5
   */
  maxRestarts?: number;
  /**
   * An exit with code 0 means the input finished (a file played without
   * loop): state `ended`, no restart. Otherwise code 0 is restarted like
   * any exit.
   * @defaultValue false
   */
  endOnSuccess?: boolean;
  /** Time from SIGTERM to SIGKILL when stopping, ms. @defaultValue 3000 ms */
  stopTimeout?: number;
  /** stderr handling. */
  log?: FfmpegLogOptions;
  /** Whether the child gets a stdin pipe (see `onSpawn`). @defaultValue `'ignore'` */
  stdin?: 'ignore' | 'pipe';
  /** Whether the child's stdout is a pipe (see `onSpawn`); always one with `onProgress`. @defaultValue `'ignore'` */
  stdout?: 'ignore' | 'pipe';
  /**
   * Extra pipes the child writes to, after the descriptors of its
   * `fdTexts`: `child.stdio[3 + fdTexts.length + k]` in `onSpawn`, named in
   * the arguments by {@link outputPipeUrl}.
   * @defaultValue 0
   */
  outputPipes?: number;
  /** Secrets (stream keys, tokens, URL passwords) shown as `***` where the arguments or ffmpeg's lines are logged or reported. */
  redact?: readonly string[];
  /** Called with each new child right after it is spawned (e.g. to feed its stdin). */
  onSpawn?: (child: ChildProcess) => void;
  /** Called after every state change, with the new status. Must not throw. */
  onStateChange?: (status: FfmpegStatus) => void;
  /**
   * Progress reports, read from ffmpeg's stdout: the arguments must
   * include `-progress pipe:1` (and `-stats_period 1` for one a second).
   */
  onProgress?: (progress: FfmpegProgress) => void;
}

type ResolvedOptions = Required<Omit<FfmpegSupervisorOptions, 'log' | 'onSpawn' | 'onStateChange' | 'onProgress'>> &
  Pick<FfmpegSupervisorOptions, 'onSpawn' | 'onStateChange' | 'onProgress'> & { log: FfmpegLogOptions };

/** Reads `key=value` lines of `-progress` output; a `progress=` line ends one report. */
function progressReader(report: (progress: FfmpegProgress) => void): (chunk: Buffer) => void {
  let partial = '';
  let current: FfmpegProgress = { speed: undefined, frame: undefined };
  return (chunk) => {
    const lines = (partial + chunk.toString('latin1')).split('\n');
    partial = (lines.pop() ?? '').slice(-1000);
    for (const line of lines) {
      const separator = line.indexOf('=');
      const key = line.slice(0, separator);
      const value = line.slice(separator + 1).trim();
      if (key === 'speed') {
        const speed = Number.parseFloat(value);
        current.speed = Number.isFinite(speed) ? speed : undefined;
      } else if (key === 'frame') {
        const frame = Number.parseInt(value, 10);
        current.frame = Number.isFinite(frame) ? frame : undefined;
      } else if (key === 'progress') {
        report(current);
        current = { speed: undefined, frame: undefined };
      }
    }
  };
}

/**
 * Runs ffmpeg as a child process and keeps it running: an exit is logged
 * (code or signal, with ffmpeg's last stderr lines) and followed by a
 * restart after an exponential backoff, reset by a healthy run. After
 * `maxRestarts` restarts in a row without a healthy run it gives up
 * (`failed`, logged at error with the last lines). Its death is an event for
 * the origin, never a crash. {@link FfmpegSupervisor.stop} ends it
 * (SIGTERM, then SIGKILL); if the Node process exits without stopping it,
 * the child is killed on the way out.
 */
export class FfmpegSupervisor {
  #options: ResolvedOptions;
  #state: FfmpegState = 'idle';
  #child: ChildProcess | undefined;
  #childStartedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelay: number;
  #restarts = 0;
  #consecutiveFailures = 0;
  #lastExit: FfmpegExit | undefined;
  #killOnExit = (): void => {
    this.#child?.kill('SIGKILL');
  };

  constructor(options: FfmpegSupervisorOptions) {
    this.#options = {
      initialRestartDelay: 500,
      maxRestartDelay: 30_000,
      healthyRunTime: 10_000,
      maxRestarts: 5,
      endOnSuccess: false,
      stopTimeout: 3000,
      stdin: 'ignore',
      stdout: 'ignore',
      redact: [],
      outputPipes: 0,
      log: {},
      ...options,
    };
    this.#restartDelay = this.#options.initialRestartDelay;
  }

  /** Current state. */
  get state(): FfmpegState {
    return this.#state;
  }

  /** Counters for `/healthz` and the streams API. */
  status(): FfmpegStatus {
    return {
      state: this.#state,
      pid: this.#child?.pid,
      restarts: this.#restarts,
      consecutiveFailures: this.#consecutiveFailures,
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
   * Stops ffmpeg for good: SIGTERM (ffmpeg then finishes its outputs, e.g.
   * the dash muxer's final manifest), SIGKILL after `stopTimeout`, resolved
   * once the process has exited. Cancels a pending restart. After `failed`
   * or `ended` there is nothing to stop and the state stays.
   */
  async stop(): Promise<void> {
    // Nothing runs in these states, and `failed`/`ended` say more than `stopped` would.
    if (this.#state === 'stopped' || this.#state === 'failed' || this.#state === 'ended') return;
    clearTimeout(this.#restartTimer);
    process.off('exit', this.#killOnExit);
    const child = this.#child;
    this.#setState('stopped');
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'close');
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), this.#options.stopTimeout);
    await exited;
    clearTimeout(killTimer);
  }

  /**
   * Kills the running ffmpeg (SIGKILL: one that delivers nothing may not
   * answer SIGTERM either) so that it is restarted as after any exit,
   * with the usual backoff and failure count. Nothing happens unless it is
   * `running`.
   */
  restart(): void {
    if (this.#state !== 'running') return;
    this.#child?.kill('SIGKILL');
  }

  #redacted(args: string[]): string[] {
    const secrets = this.#options.redact.filter((secret) => secret !== '');
    return args.map((arg) => secrets.reduce((text, secret) => text.split(secret).join('***'), arg));
  }

  #setState(state: FfmpegState): void {
    this.#state = state;
    this.#options.onStateChange?.(this.status());
  }

  #spawn(): void {
    const { command, args, logger, onProgress } = this.#options;
    const built = args();
    const invocation = Array.isArray(built) ? { args: built } : built;
    const texts = secretFileDescriptors(invocation.fdTexts ?? []);
    let child: ChildProcess;
    try {
      const outputs = Array.from({ length: this.#options.outputPipes }, () => 'pipe' as const);
      child = spawn(command, invocation.args, {
        stdio: [this.#options.stdin, onProgress === undefined ? this.#options.stdout : 'pipe', 'pipe', ...texts, ...outputs],
      });
    } finally {
      // The child has its own copies.
      closeDescriptors(texts);
    }
    this.#child = child;
    this.#childStartedAt = performance.now();
    const childLogger = logger.child({ pid: child.pid });
    const stderr = new FfmpegLog(childLogger, { ...this.#options.log, redact: this.#options.redact });
    child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
    if (onProgress !== undefined) child.stdout?.on('data', progressReader(onProgress));
    // A child that exits while we write to it must not become an unhandled 'error'.
    child.stdin?.on('error', () => undefined);
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
    if (child.pid !== undefined) childLogger.info({ command, args: this.#redacted(child.spawnargs.slice(1)) }, 'ffmpeg started');
    this.#setState('running');
    this.#options.onSpawn?.(child);
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
      lastLines: [...ended.tail],
    };
    const { logger, initialRestartDelay, maxRestartDelay, healthyRunTime, maxRestarts } = this.#options;
    const { lastLines, ...exit } = this.#lastExit;
    if (this.#state === 'stopped') {
      logger.info({ pid: child.pid, code: ended.code, signal: ended.signal }, 'ffmpeg stopped');
      // Listeners learn the final exit (stop() set the state before it came).
      this.#setState('stopped');
      return;
    }
    if (ended.code === 0 && this.#options.endOnSuccess) {
      logger.info({ pid: child.pid, ...exit }, 'ffmpeg finished its input');
      process.off('exit', this.#killOnExit);
      this.#setState('ended');
      return;
    }
    if (ranFor >= healthyRunTime) {
      this.#restartDelay = initialRestartDelay;
      this.#consecutiveFailures = 0;
    }
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures > maxRestarts) {
      logger.error(
        { pid: child.pid, ...exit, failures: this.#consecutiveFailures, lastLines },
        `ffmpeg failed ${this.#consecutiveFailures} times in a row; giving up`,
      );
      process.off('exit', this.#killOnExit);
      this.#setState('failed');
      return;
    }
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(maxRestartDelay, delay * 2);
    logger.warn({ pid: child.pid, ...exit, restartIn: delay, lastLines }, 'ffmpeg exited; restarting');
    this.#restartTimer = setTimeout(() => {
      this.#restarts += 1;
      this.#spawn();
    }, delay);
    this.#setState('backoff');
  }
}
