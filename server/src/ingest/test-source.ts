import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { TranscodeConfig } from '../config/config-schema.js';
import { DEFAULT_FONT_FILE } from '../transcode/ffmpeg-args.js';
import type { FfmpegSupervisorOptions } from '../transcode/ffmpeg-supervisor.js';

/** Options of the built-in test source. */
export interface TestSourceOptions {
  /** Stream name it publishes. @defaultValue `'demo'` */
  stream?: string;
  /** ffmpeg binary, a path or a name looked up on PATH. @defaultValue `'ffmpeg'` */
  ffmpegPath?: string;
  /** Font for the burned-in time. @defaultValue {@link DEFAULT_FONT_FILE} */
  fontFile?: string;
  /**
   * Ladder, codec and segment duration it is transcoded with.
   * @defaultValue the config defaults: 720p 2500 kb/s, 480p 1000 kb/s, 360p 600 kb/s, 240p 250 kb/s, H.264 veryfast, 1 s segments
   */
  transcode?: TranscodeConfig;
  /** Restart and stop timing of the ffmpeg process. */
  supervision?: Pick<
    FfmpegSupervisorOptions,
    'initialRestartDelay' | 'maxRestartDelay' | 'healthyRunTime' | 'stopTimeout'
  >;
}

/** ffmpeg or the font the test source needs is not installed. */
export class TestSourceUnavailableError extends Error {
  override readonly name = 'TestSourceUnavailableError';
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves `command` like a shell would: as a path if it has a slash, else on PATH. */
async function findExecutable(command: string): Promise<string | undefined> {
  if (command.includes('/')) return (await isExecutable(command)) ? command : undefined;
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** What the test source will run, after its preflight checks. */
export interface ResolvedTestSource {
  stream: string;
  ffmpegPath: string;
  fontFile: string;
  transcode: TranscodeConfig | undefined;
  supervision: TestSourceOptions['supervision'];
}

/**
 * Checks that the test source can run: the ffmpeg binary and the font
 * exist. Runs before the origin starts listening, so a missing package is
 * one clear error instead of a restart loop.
 * @throws TestSourceUnavailableError naming the Debian/Ubuntu package to install.
 */
export async function checkTestSource(options: TestSourceOptions = {}): Promise<ResolvedTestSource> {
  const command = options.ffmpegPath ?? 'ffmpeg';
  const ffmpegPath = await findExecutable(command);
  if (ffmpegPath === undefined) {
    throw new TestSourceUnavailableError(
      `ffmpeg not found (${command}): install the ffmpeg package (sudo apt-get install ffmpeg), or start without the test source (--no-test-source)`,
    );
  }
  const fontFile = options.fontFile ?? DEFAULT_FONT_FILE;
  try {
    await access(fontFile, constants.R_OK);
  } catch {
    throw new TestSourceUnavailableError(
      `font ${fontFile} not found: install the fonts-dejavu-core package (sudo apt-get install fonts-dejavu-core), or start without the test source (--no-test-source)`,
    );
  }
  return {
    stream: options.stream ?? 'demo',
    ffmpegPath,
    fontFile,
    transcode: options.transcode,
    supervision: options.supervision,
  };
}
