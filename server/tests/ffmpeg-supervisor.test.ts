import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Readable } from 'node:stream';
import { FfmpegSupervisor, outputPipeDescriptor, outputPipeUrl, type FfmpegSupervisorOptions } from '../src/index.js';
import { captureLogger } from './helpers.js';

/** A stand-in for ffmpeg: Node running `script`. */
function supervise(script: string, options: Partial<FfmpegSupervisorOptions> = {}) {
  const { logger, records } = captureLogger();
  let runs = 0;
  const supervisor = new FfmpegSupervisor({
    command: process.execPath,
    args: () => {
      runs += 1;
      return ['-e', script];
    },
    logger,
    initialRestartDelay: 50,
    maxRestartDelay: 200,
    ...options,
  });
  return { supervisor, records, runs: () => runs };
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('FfmpegSupervisor', () => {
  const started: FfmpegSupervisor[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });

  it('logs each exit with its code and last stderr lines and restarts with exponential backoff', async () => {
    const { supervisor, records, runs } = supervise('console.error("[error] no input"); process.exit(3)');
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(runs()).toBeGreaterThanOrEqual(5), { timeout: 5000 });
    const exits = records.filter((r) => r.msg === 'ffmpeg exited; restarting');
    expect(exits.slice(0, 4).map((r) => r.restartIn)).toEqual([50, 100, 200, 200]);
    expect(exits[0]).toMatchObject({ level: 40, code: 3, signal: null, lastLines: ['[error] no input'] });
    expect(supervisor.status().restarts).toBeGreaterThanOrEqual(4);
    expect(supervisor.status().lastExit?.code).toBe(3);
  });

  it('resets the backoff after a healthy run', async () => {
    const { supervisor, records, runs } = supervise('setTimeout(() => process.exit(1), 120)', { healthyRunTime: 100 });
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(runs()).toBeGreaterThanOrEqual(3), { timeout: 5000 });
    const delays = records.filter((r) => r.msg === 'ffmpeg exited; restarting').map((r) => r.restartIn);
    expect(delays.slice(0, 2)).toEqual([50, 50]);
  });

  it('builds fresh arguments for every run', async () => {
    const { supervisor, runs } = supervise('process.exit(0)');
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(runs()).toBe(2), { timeout: 5000 });
  });

  it('treats a binary that cannot start as an exit, not a crash', async () => {
    const { logger, records } = captureLogger();
    const supervisor = new FfmpegSupervisor({ command: '/nonexistent/ffmpeg', args: () => [], logger, initialRestartDelay: 50 });
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(records.some((r) => r.msg === 'ffmpeg exited; restarting')).toBe(true));
    expect(supervisor.status().lastExit?.error).toMatch(/ENOENT/);
    expect(supervisor.state).toBe('backoff');
  });

  it('stops with SIGTERM and leaves nothing running', async () => {
    const { supervisor } = supervise('setInterval(() => {}, 1000)');
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.status().pid).toBeDefined());
    const pid = supervisor.status().pid!;
    await supervisor.stop();
    expect(isRunning(pid)).toBe(false);
    expect(supervisor.state).toBe('stopped');
    expect(supervisor.status().lastExit?.signal).toBe('SIGTERM');
  });

  it('escalates to SIGKILL when ffmpeg ignores SIGTERM', async () => {
    const { supervisor } = supervise('process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)', {
      stopTimeout: 300,
    });
    supervisor.start();
    // Wait until the child has installed its SIGTERM handler.
    await vi.waitFor(() => expect(supervisor.status().uptime).toBeGreaterThan(0.3));
    const pid = supervisor.status().pid!;
    const stopping = performance.now();
    await supervisor.stop();
    expect(performance.now() - stopping).toBeGreaterThanOrEqual(290);
    expect(isRunning(pid)).toBe(false);
    expect(supervisor.status().lastExit?.signal).toBe('SIGKILL');
  });

  it('cancels a pending restart when stopped', async () => {
    const { supervisor, runs } = supervise('process.exit(1)', { initialRestartDelay: 300 });
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.state).toBe('backoff'));
    await supervisor.stop();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(runs()).toBe(1);
  });

  it('gives up after maxRestarts failed runs in a row: state failed, logged at error with the last lines', async () => {
    const states: string[] = [];
    const { supervisor, records, runs } = supervise('console.error("[error] Connection refused"); process.exit(1)', {
      maxRestarts: 2,
      onStateChange: (status) => states.push(status.state),
    });
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.state).toBe('failed'), { timeout: 5000 });
    expect(runs()).toBe(3);
    expect(states).toEqual(['running', 'backoff', 'running', 'backoff', 'running', 'failed']);
    expect(supervisor.status()).toMatchObject({ restarts: 2, consecutiveFailures: 3, pid: undefined });
    expect(supervisor.status().lastExit).toMatchObject({ code: 1, lastLines: ['[error] Connection refused'] });
    const gaveUp = records.find((r) => r.msg === 'ffmpeg failed 3 times in a row; giving up');
    expect(gaveUp).toMatchObject({ level: 50, code: 1, lastLines: ['[error] Connection refused'] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs()).toBe(3);
  });

  it('counts only failures in a row: a healthy run resets the cap', async () => {
    const { supervisor, runs } = supervise('setTimeout(() => process.exit(1), 120)', { maxRestarts: 1, healthyRunTime: 100 });
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(runs()).toBeGreaterThanOrEqual(4), { timeout: 5000 });
    expect(supervisor.state).not.toBe('failed');
  });

  it('with endOnSuccess, an exit with code 0 ends supervision (the input finished)', async () => {
    const { supervisor, runs, records } = supervise('process.exit(0)', { endOnSuccess: true });
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.state).toBe('ended'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs()).toBe(1);
    expect(records.some((r) => r.msg === 'ffmpeg finished its input')).toBe(true);
  });

  it('reports -progress blocks from stdout: speed and frame', async () => {
    const reports: Array<{ speed: number | undefined; frame: number | undefined }> = [];
    const { supervisor } = supervise(
      'process.stdout.write("frame=30\\nspeed=N/A\\nprogress=continue\\nframe=60\\nspe"); setTimeout(() => process.stdout.write("ed=1.02x\\nprogress=continue\\n"), 50); setInterval(() => {}, 1000)',
      { onProgress: (progress) => reports.push(progress) },
    );
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(reports).toHaveLength(2));
    expect(reports).toEqual([
      { frame: 30, speed: undefined },
      { frame: 60, speed: 1.02 },
    ]);
  });

  it('feeds stdin through onSpawn and keeps secrets out of the logged arguments', async () => {
    const { logger, records } = captureLogger();
    const supervisor = new FfmpegSupervisor({
      command: process.execPath,
      args: () => ['-e', 'process.stdin.on("data", (d) => console.error("[info] got " + d)); // s3cret-token', 's3cret-token'],
      logger,
      stdin: 'pipe',
      redact: ['s3cret-token'],
      onSpawn: (child) => child.stdin?.write('hello\n'),
      log: { tailLines: 5 },
    });
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(records.some((r) => typeof r.line === 'string' && (r.line as string).includes('got hello'))).toBe(true));
    const startedRecord = records.find((r) => r.msg === 'ffmpeg started')!;
    expect(JSON.stringify(startedRecord)).not.toContain('s3cret-token');
    expect((startedRecord.args as string[]).at(-1)).toBe('***');
  });

  it('gives the child output pipes after the descriptors of its texts, named by outputPipeUrl', async () => {
    const { logger } = captureLogger();
    const url = outputPipeUrl(1, 0);
    expect(url).toBe('pipe:4');
    // The child reads its text on fd 3 and writes it back, upper-cased, on the output pipe.
    const script = `const fs = require('node:fs'); fs.writeSync(${outputPipeDescriptor(1, 0)}, fs.readFileSync(3, 'utf8').toUpperCase());`;
    let received = '';
    const supervisor = new FfmpegSupervisor({
      command: process.execPath,
      args: () => ({ args: ['-e', script], fdTexts: ['list on fd 3'] }),
      logger,
      outputPipes: 1,
      endOnSuccess: true,
      onSpawn: (child) => (child.stdio[outputPipeDescriptor(1, 0)] as Readable).on('data', (chunk: Buffer) => (received += chunk.toString())),
    });
    started.push(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(received).toBe('LIST ON FD 3'));
  });
});
