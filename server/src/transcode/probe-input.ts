import { spawn } from 'node:child_process';
import type { FfmpegInvocation } from './ffmpeg-supervisor.js';
import { closeDescriptors, secretFileDescriptors } from './secret-files.js';

/** An input that cannot be transcoded: unreadable, not answering, or without video. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** The video stream the ladder is made from. */
export interface ProbedVideo {
  /** Absolute stream index in the input. */
  index: number;
  /** Width of the decoded, rotated picture, pixels. */
  width: number;
  /** Height of the decoded, rotated picture, pixels. */
  height: number;
  /** Pixel aspect ratio (width / height of one pixel); 1 for square pixels. */
  sampleAspectRatio: number;
  /** Frames per second (average, else nominal); null if the input does not say. */
  fps: number | null;
  /**
   * The rate every timestamp of the stream is on (ffprobe's `r_frame_rate`),
   * frames per second: a constant-rate stream's own rate; null or absent if
   * the input does not say.
   */
  nominalFps?: number | null;
  /** Codec name as ffprobe reports it, e.g. `h264`. */
  codec: string;
}

/** One audio track of the input. */
export interface ProbedAudio {
  /** Absolute stream index in the input. */
  index: number;
  /** Language tag as the input states it (`eng`, `de`), null for none or `und`. */
  language: string | null;
  /** Channel count. */
  channels: number;
  /** ffmpeg channel layout name (`stereo`, `5.1`, `5.1(side)`), null if unknown. */
  channelLayout: string | null;
  /** Codec name as ffprobe reports it, e.g. `aac`, `ac3`. */
  codec: string;
}

/** One subtitle track of the input. */
export interface ProbedSubtitle {
  /** Absolute stream index in the input. */
  index: number;
  /** Codec name as ffprobe reports it, e.g. `subrip`, `mov_text`, `webvtt`, `ass`. */
  codec: string;
  /** Language tag, null for none or `und`. */
  language: string | null;
  /** Track title, null for none. */
  title: string | null;
}

/** What {@link probeInput} found. */
export interface InputProbe {
  /** The first video stream that is not a cover picture; null if there is none. */
  video: ProbedVideo | null;
  /** Every audio track, in input order. */
  audio: ProbedAudio[];
  /** Every subtitle track, in input order. */
  subtitles: ProbedSubtitle[];
}

/** Options of {@link probeInput}. */
export interface ProbeOptions {
  /** ffprobe binary, a path or a name on PATH. @defaultValue `'ffprobe'` */
  ffprobePath?: string;
  /** Give up after this long, ms: a URL that never answers must not hang a stream's start. @defaultValue 15 000 ms */
  timeout?: number;
  /** Aborts the probe (the ffprobe process is killed; rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Secrets (a URL's password) replaced by `***` in ffprobe's reason, which errors and the API show. */
  redact?: readonly string[];
}

function redact(text: string, secrets: readonly string[] = []): string {
  return secrets.filter((secret) => secret !== '').reduce((result, secret) => result.split(secret).join('***'), text);
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  channels?: number;
  channel_layout?: string;
  disposition?: { attached_pic?: number };
  tags?: { language?: string; title?: string; rotate?: string };
  side_data_list?: Array<{ rotation?: number }>;
}

/** `30000/1001` → 29.97; `0/0`, missing or absurd → null. */
function rate(value: string | undefined): number | null {
  const [numerator, denominator] = (value ?? '').split('/').map(Number);
  if (numerator === undefined || denominator === undefined || !(numerator > 0) || !(denominator > 0)) return null;
  const fps = numerator / denominator;
  // Containers without a rate report the timebase instead (e.g. 90000/1).
  return fps <= 240 ? Math.round(fps * 1000) / 1000 : null;
}

function ratio(value: string | undefined): number {
  const [x, y] = (value ?? '').split(':').map(Number);
  return x !== undefined && y !== undefined && x > 0 && y > 0 ? x / y : 1;
}

function language(tag: string | undefined): string | null {
  return tag === undefined || tag === '' || tag === 'und' ? null : tag;
}

/** Turns ffprobe's `-show_streams` JSON into an {@link InputProbe}. */
export function parseProbe(json: { streams?: FfprobeStream[] }): InputProbe {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1 && s.width && s.height);
  let probedVideo: ProbedVideo | null = null;
  if (video !== undefined) {
    // ffmpeg rotates on decode; a quarter turn swaps the picture's sides.
    const rotation = video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? Number(video.tags?.rotate ?? 0);
    const quarterTurn = Math.abs(rotation) % 180 === 90;
    const sar = ratio(video.sample_aspect_ratio);
    probedVideo = {
      index: video.index,
      width: quarterTurn ? video.height! : video.width!,
      height: quarterTurn ? video.width! : video.height!,
      sampleAspectRatio: quarterTurn ? 1 / sar : sar,
      fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate),
      nominalFps: rate(video.r_frame_rate),
      codec: video.codec_name ?? 'unknown',
    };
  }
  return {
    video: probedVideo,
    audio: streams
      .filter((s) => s.codec_type === 'audio' && (s.channels ?? 0) > 0)
      .map((s) => ({
        index: s.index,
        language: language(s.tags?.language),
        channels: s.channels!,
        channelLayout: s.channel_layout === undefined || s.channel_layout === 'unknown' ? null : s.channel_layout,
        codec: s.codec_name ?? 'unknown',
      })),
    subtitles: streams
      .filter((s) => s.codec_type === 'subtitle')
      .map((s) => ({
        index: s.index,
        codec: s.codec_name ?? 'unknown',
        language: language(s.tags?.language),
        title: s.tags?.title ?? null,
      })),
  };
}

/** The last meaningful line of ffprobe's stderr, without the `[demuxer @ 0x...]` prefix. */
function reason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.replace(/^\[[^\]]+\]\s*/, '').trim())
    .filter((line) => line !== '');
  return lines.at(-1) ?? 'ffprobe failed without a message';
}

/** What {@link probeInput} reads: an input's options and `-i` (and texts on file descriptors), and how to name it in errors. */
export interface ProbeTarget extends FfmpegInvocation {
  /** The input as errors name it, without secrets: e.g. a URL with its password replaced. */
  label: string;
}

/**
 * Reads what an input holds with `ffprobe -show_streams` (JSON): its
 * video stream, every audio and every subtitle track.
 * @param input the input options ending in `-i URL`, as the transcoder
 *   will read it but without ffmpeg-only options (`-re`, `-stream_loop`:
 *   `pullInvocation` with `forProbe`), and the texts the input reads from
 *   file descriptors (secrets stay out of ffprobe's command line too).
 * @throws InputError if the input cannot be read (the message carries
 *   ffprobe's reason, e.g. `No such file or directory`), does not answer
 *   within `timeout`, or has no video stream.
 * @throws Error if ffprobe itself cannot be started.
 */
export async function probeInput(input: ProbeTarget, options: ProbeOptions = {}): Promise<InputProbe> {
  const { ffprobePath = 'ffprobe', timeout = 15_000, signal } = options;
  const args = [...['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_streams'], ...input.args];
  const { stdout, stderr, code, timedOut } = await new Promise<{ stdout: string; stderr: string; code: number | null; timedOut: boolean }>(
    (resolve, reject) => {
      const texts = secretFileDescriptors(input.fdTexts ?? []);
      let child;
      try {
        child = spawn(ffprobePath, args, { stdio: ['ignore', 'pipe', 'pipe', ...texts], signal });
      } finally {
        closeDescriptors(texts);
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeout);
      child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (error.name === 'AbortError') reject(signal?.reason ?? error);
        else if (error.code === 'ENOENT') reject(new Error(`ffprobe not found (${ffprobePath}): install the ffmpeg package (sudo apt-get install ffmpeg)`));
        else reject(error);
      });
      child.once('close', (exitCode: number | null) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: exitCode, timedOut });
      });
    },
  );
  if (timedOut) throw new InputError(`input ${input.label} did not answer within ${timeout / 1000} s`);
  if (code !== 0) throw new InputError(`input ${input.label} cannot be read: ${redact(reason(stderr), options.redact)}`);
  let probe: InputProbe;
  try {
    probe = parseProbe(JSON.parse(stdout) as { streams?: FfprobeStream[] });
  } catch (error) {
    throw new InputError(`input ${input.label}: ffprobe output is not JSON: ${(error as Error).message}`);
  }
  if (probe.video === null) throw new InputError(`input ${input.label} has no video stream`);
  return probe;
}
