import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The playground's folder; its static build lands in `dist/` (the host), with each framework's in `dist/<framework>/`. */
export const storybookDir = fileURLToPath(new URL('../../storybook/', import.meta.url));

/** The framework Storybooks the host composes, by their folder under `dist/`. */
export const STORYBOOK_FRAMEWORKS = ['react', 'angular', 'web-components'] as const;

/** One entry of a Storybook's `index.json` (the fields the smoke test reads). */
export interface StoryIndexEntry {
  readonly id: string;
  readonly title: string;
  readonly name: string;
  readonly type: 'story' | 'docs';
  readonly tags: readonly string[];
}

/**
 * Builds the four Storybooks (`npm run build-storybook -w @llstream/storybook`)
 * with `LLSTREAM_ORIGIN=origin`, the one setting every story plays from.
 * @returns the build's duration in milliseconds.
 * @throws Error with the build's last output lines when it fails.
 */
export async function buildStorybooks(origin: string): Promise<number> {
  const started = Date.now();
  const child = spawn('npm', ['run', 'build-storybook', '-w', '@llstream/storybook'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, LLSTREAM_ORIGIN: origin, STORYBOOK_DISABLE_TELEMETRY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`build-storybook exited with ${code}:\n${output.split('\n').slice(-60).join('\n')}`);
  return Date.now() - started;
}
