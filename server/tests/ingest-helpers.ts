import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultConfig, type Origin, type OriginOptions, type TranscodeConfig } from '../src/index.js';
import { captureLogger, getText, startOrigin } from './helpers.js';

const run = promisify(execFile);

/** One 240p rendition: the whole pipeline at a fraction of the default ladder's CPU. */
export const ONE_RUNG: TranscodeConfig = { ...defaultConfig().transcode, ladder: [{ name: '240p', height: 240, bitrate: 300_000 }] };

/** An origin for ingest tests: loopback, RTMP on a free port, keys enforced, one rung, logs captured. */
export async function startIngestOrigin(options: OriginOptions = {}): Promise<{ origin: Origin & { url: string }; records: Array<Record<string, unknown>> }> {
  const { logger, records } = captureLogger('info');
  const origin = await startOrigin({
    logger,
    openIngest: false,
    transcode: ONE_RUNG,
    rtmp: { port: 0, host: '127.0.0.1' },
    supervision: { initialRestartDelay: 200, stopTimeout: 2000 },
    ...options,
  });
  return { origin, records };
}

/** A publishing ffmpeg: lavfi test pattern and tone, encoded for `format`, sent to `url`. */
export interface Publisher {
  readonly child: ChildProcess;
  /** Exit code (null if killed by a signal). */
  readonly exited: Promise<number | null>;
  /** ffmpeg's stderr so far. */
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts ffmpeg publishing a 320x240 25 fps pattern with a tone for
 * `seconds`, in real time, as FLV (RTMP) or MPEG-TS (SRT).
 * @param outputArgs output options placed before `url` (e.g. `-rtmp_app`).
 */
export function publish(url: string, format: 'flv' | 'mpegts', seconds = 60, outputArgs: string[] = []): Publisher {
  const child = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-c:a', 'aac', '-b:a', '64k'],
      ...['-f', format, ...outputArgs, url],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    async stop(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const schema = new URL('./fixtures/dash-schema/DASH-MPD.xsd', import.meta.url).pathname;

/**
 * Validates an MPD against the DASH MPD schema with xmllint.
 * @throws with xmllint's complaint if it does not validate.
 */
export async function validateMpd(xml: string): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'llstream-mpd-'));
  try {
    const file = join(directory, 'manifest.mpd');
    await writeFile(file, xml);
    await run('xmllint', ['--noout', '--nonet', '--schema', schema, file]);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The served manifest of `stream`, with its root attributes. */
export async function fetchManifest(origin: { url: string }, stream: string): Promise<{ status: number; xml: string; type?: string; ast?: string; duration?: string }> {
  const { status, body } = await getText(`${origin.url}/live/${stream}/manifest.mpd`);
  const root = /<MPD\b([^>]*)>/.exec(body)?.[1] ?? '';
  const attribute = (name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(root)?.[1];
  return { status, xml: body, type: attribute('type'), ast: attribute('availabilityStartTime'), duration: attribute('mediaPresentationDuration') };
}

/** `GET /api/streams/{name}` as JSON. */
export async function apiStream(origin: { url: string }, name: string): Promise<Record<string, any>> {
  const { status, body } = await getText(`${origin.url}/api/streams/${name}`);
  if (status !== 200) throw new Error(`GET /api/streams/${name}: ${status} ${body}`);
  return JSON.parse(body) as Record<string, any>;
}

/** Log records of an ffmpeg started for `stream` (its transcoder). */
export const transcoderStarts = (records: Array<Record<string, unknown>>, stream: string): Array<Record<string, unknown>> =>
  records.filter((r) => r.msg === 'ffmpeg started' && r.stream === stream && r.component === undefined);
