// Ladder benchmark: can one ffmpeg hold the default 4-rung ladder in real
// time on this machine, and how much CPU does it leave?
//
//   flock /tmp/bench.lock npm run bench:ladder -- --seconds 60
//   (options: --warmup S, --codec h264|av1, --preset NAME|NUMBER)
//
// Runs the built-in test source exactly as the origin does (testsrc2 720p30
// stamped with the capture time, decoded once, split and scaled to 720p,
// 480p, 360p, 240p, libx264 zerolatency with aligned closed GOPs, AAC, dash
// muxer in low-latency mode) and publishes it into an origin in this
// process. Reported over the measurement window (after --warmup seconds):
// - speed: ffmpeg's output media time per wall-clock second, from its
//   `-progress` blocks, once a second (the input is read at its native rate
//   with -re, so 1.00x is real time and anything lower is falling behind);
//   p50 and min of the per-second values, min over 5 s windows, ffmpeg's
//   own cumulative `speed=` at the end, and how far the output runs behind
//   the wall clock at the start and end of the window (steady if it keeps up);
// - frames dropped or duplicated by ffmpeg;
// - ffmpeg CPU (utime+stime of its process from /proc/PID/stat), mean and
//   max over 1 s samples, in cores, and the headroom left on this machine;
// - the origin's CPU (this process), which takes in the 4 renditions + audio.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  buildTestSourceArgs,
  createOrigin,
  DEFAULT_FONT_FILE,
  DEFAULT_PRESETS,
  defaultConfig,
  runTag,
  X264_PRESETS,
  type X264Preset,
} from '../src/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    codec: { type: 'string', default: 'h264' },
    preset: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
if (!(seconds > 0) || !(warmup >= 0)) throw new Error('--seconds must be positive and --warmup not negative');
const config = defaultConfig();
if (values.codec === 'av1') {
  config.transcode.codec = 'av1';
  config.transcode.preset = DEFAULT_PRESETS.av1;
} else if (values.codec !== 'h264') {
  throw new Error('--codec: expected h264 or av1');
}
if (values.preset !== undefined) {
  if (config.transcode.codec === 'av1') {
    config.transcode.preset = Number(values.preset);
    if (!Number.isInteger(config.transcode.preset) || config.transcode.preset < 0 || config.transcode.preset > 13) throw new Error('--preset: expected an SVT-AV1 preset 0 to 13');
  } else {
    if (!(X264_PRESETS as readonly string[]).includes(values.preset)) throw new Error(`--preset: expected one of ${X264_PRESETS.join(', ')}`);
    config.transcode.preset = values.preset as X264Preset;
  }
}

const CLOCK_TICKS = 100; // USER_HZ on Linux (getconf CLK_TCK)
const cores = availableParallelism();

/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may contain spaces) start at field 3.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mean = (list: number[]): number => list.reduce((a, b) => a + b, 0) / list.length;

// Open HTTP ingest on loopback: this process's own ffmpeg publishes without a key.
const origin = createOrigin({ port: 0, host: '127.0.0.1', testSource: false, openIngest: true, logLevel: 'warn', latency: config.latency });
const url = await origin.listen();
const { args } = buildTestSourceArgs({
  originUrl: url,
  stream: 'bench',
  runTag: runTag(),
  fontFile: DEFAULT_FONT_FILE,
  transcode: config.transcode,
  latency: config.latency,
});
const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
let stderrTail = '';
ffmpeg.stderr.on('data', (data: Buffer) => {
  stderrTail = (stderrTail + data.toString()).slice(-3000);
});

interface Progress {
  at: number;
  outTime: number;
  speed: number | undefined;
  dropped: number;
  duplicated: number;
}
const progress: Progress[] = [];
let block: Record<string, string> = {};
let partial = '';
ffmpeg.stdout.on('data', (data: Buffer) => {
  const lines = (partial + data.toString()).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    const equals = line.indexOf('=');
    if (equals === -1) continue;
    block[line.slice(0, equals)] = line.slice(equals + 1).trim();
    if (line.startsWith('progress=')) {
      progress.push({
        at: performance.now() / 1000,
        outTime: Number(block.out_time_us) / 1e6,
        speed: block.speed?.endsWith('x') ? Number.parseFloat(block.speed) : undefined,
        dropped: Number(block.drop_frames ?? 0),
        duplicated: Number(block.dup_frames ?? 0),
      });
      block = {};
    }
  }
});

const startedAt = performance.now() / 1000;
const cpuSamples: number[] = [];
const originCpuSamples: number[] = [];
const loadSamples: number[] = [];
let previous = { at: startedAt, ffmpeg: 0, origin: process.cpuUsage() };
const sampler = setInterval(() => {
  const at = performance.now() / 1000;
  let ffmpegCpu: number;
  try {
    ffmpegCpu = cpuSeconds(ffmpeg.pid!);
  } catch {
    return; // exited; reported below
  }
  const originCpu = process.cpuUsage();
  if (at - startedAt > warmup) {
    cpuSamples.push((ffmpegCpu - previous.ffmpeg) / (at - previous.at));
    originCpuSamples.push((originCpu.user + originCpu.system - previous.origin.user - previous.origin.system) / 1e6 / (at - previous.at));
    loadSamples.push(loadavg()[0]!);
  }
  previous = { at, ffmpeg: ffmpegCpu, origin: originCpu };
}, 1000);

const ended = once(ffmpeg, 'close');
const stopTimer = setTimeout(() => ffmpeg.kill('SIGTERM'), (warmup + seconds) * 1000);
const [code, signal] = (await ended) as [number | null, NodeJS.Signals | null];
clearTimeout(stopTimer);
clearInterval(sampler);
await origin.close();

if (signal !== 'SIGTERM' && code !== 255) {
  process.stderr.write(`ffmpeg ended early (code ${code}, signal ${signal}):\n${stderrTail}\n`);
  process.exit(1);
}

const window = progress.filter((p) => p.at - startedAt > warmup);
const perSecond = window.slice(1).map((p, i) => (p.outTime - window[i]!.outTime) / (p.at - window[i]!.at));
const speeds = [...perSecond].sort((a, b) => a - b);
// Over 5 s the 1 s cadence of the progress blocks no longer shows as jitter.
const perFive = window.slice(5).map((p, i) => (p.outTime - window[i]!.outTime) / (p.at - window[i]!.at));
// How far the output runs behind the wall clock: constant while ffmpeg keeps up, growing when it does not.
const behind = (p: Progress): number => p.at - startedAt - p.outTime;
const cpu = [...cpuSamples].sort((a, b) => a - b);
const last = window.at(-1);
const first = window[0];
const used = mean(cpuSamples);
const rows: Array<[string, string]> = [
  ['ladder', config.transcode.ladder.map((r) => `${r.name} ${r.bitrate / 1000}k`).join(', ')],
  ['codec / preset', `${config.transcode.codec} / ${config.transcode.preset}, ${config.transcode.segmentDuration} s segments`],
  ['window', `${window.length > 1 ? (last!.at - first!.at).toFixed(0) : 0} s after ${warmup} s warm-up`],
  ['speed p50 / min (per second)', `${quantile(speeds, 0.5).toFixed(3)}x / ${speeds[0]!.toFixed(3)}x`],
  ['speed min over 5 s windows', `${Math.min(...perFive).toFixed(3)}x`],
  ['speed (ffmpeg, cumulative)', `${last?.speed?.toFixed(3) ?? '?'}x`],
  ['output behind wall clock', `${behind(first!).toFixed(2)} s at start of window, ${behind(last!).toFixed(2)} s at end`],
  ['frames dropped / duplicated', `${(last?.dropped ?? 0) - (first?.dropped ?? 0)} / ${(last?.duplicated ?? 0) - (first?.duplicated ?? 0)}`],
  ['ffmpeg CPU mean / p95 / max', `${used.toFixed(2)} / ${quantile(cpu, 0.95).toFixed(2)} / ${cpu.at(-1)!.toFixed(2)} cores`],
  ['origin CPU mean', `${mean(originCpuSamples).toFixed(2)} cores`],
  ['headroom', `${(cores - used).toFixed(2)} of ${cores} cores (after ffmpeg)`],
  ['load average (1 min), mean', `${mean(loadSamples).toFixed(2)}`],
];
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
