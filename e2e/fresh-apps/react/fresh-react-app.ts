import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `npm create vite@9.3.0` runs create-vite 9.3.0: pinned, a new version may change the template under the test. */
export const CREATE_VITE = 'vite@9.3.0';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The `tsx` block that follows the "five-line usage" marker in react/README.md. */
export async function readmeUsage(): Promise<string> {
  const readme = await readFile(join(repoRoot, 'react', 'README.md'), 'utf8');
  const match = /<!-- five-line usage[^>]*-->\s*```tsx\n([\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error('react/README.md has no tsx block after the "five-line usage" marker');
  return match[1];
}

/** A fresh Vite React app in a temp dir, with the packed llstream tarballs installed. */
export interface FreshReactApp {
  /** The app's folder (inside `root`). */
  readonly dir: string;
  /** The temp dir holding the app, the tarballs and npm's cache. */
  readonly root: string;
  /** The app's own `vite` CLI. */
  readonly viteBin: string;
  /** An environment for npm and vite in the app: the parent npm's settings removed, the cache in `root`. */
  readonly env: NodeJS.ProcessEnv;
  /** Seconds each step took, for the log. */
  readonly timings: Record<string, number>;
  /** Runs npm in the app (e.g. `['install', 'react@18']`), timed as `name`. */
  npm(name: string, args: string[]): Promise<string>;
  /** Removes `root`. */
  remove(): Promise<void>;
}

/**
 * Scaffolds `npm create vite -- --template react-ts` in a temp dir, packs the
 * built `@llstream/core`, `@llstream/vanilla` and `@llstream/react` with `npm pack`, installs the
 * tarballs into the app, writes `app` as its `src/App.tsx`, and builds it
 * with the template's own `npm run build` (`tsc -b && vite build`). npm's
 * cache lives in the temp dir too, so nothing is kept between runs.
 *
 * @throws Error with the failing command's output.
 */
export async function createFreshReactApp(app: string): Promise<FreshReactApp> {
  const root = await mkdtemp(join(tmpdir(), 'llstream-react-app-'));
  const dir = join(root, 'app');
  // A child of `npm test` inherits npm_config_* (workspace, prefix, ...): they must not reach the app's npm.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  Object.assign(env, { npm_config_cache: join(root, 'npm-cache'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' });
  const timings: Record<string, number> = {};
  const step = async (name: string, file: string, args: string[], cwd: string) => {
    const started = Date.now();
    try {
      const { stdout } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${name} failed: ${file} ${args.join(' ')}\n${stdout}\n${stderr}`, { cause: error });
    } finally {
      timings[name] = (Date.now() - started) / 1000;
    }
  };
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    const tarballs: string[] = [];
    for (const pkg of ['core', 'vanilla', 'react']) {
      const out = await step(`pack ${pkg}`, 'npm', ['pack', '--json', '--pack-destination', root], join(repoRoot, pkg));
      const [{ filename }] = JSON.parse(out) as [{ filename: string }];
      tarballs.push(join(root, filename));
    }
    await step('create-vite', 'npm', ['create', '--yes', CREATE_VITE, 'app', '--', '--template', 'react-ts', '--no-interactive'], root);
    await writeFile(join(dir, 'src', 'App.tsx'), app);
    await step('npm install', 'npm', ['install', ...tarballs], dir);
    await step('build', 'npm', ['run', 'build'], dir);
    const npm = (name: string, args: string[]) => step(name, 'npm', args, dir);
    return { dir, root, viteBin: join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), env, timings, npm, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
