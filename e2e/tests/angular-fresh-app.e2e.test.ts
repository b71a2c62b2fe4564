import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectDefaultControls } from '../src/default-ui.js';
import { useOriginAndBrowser } from '../src/fixture.js';
import { formatMeasurement, measureLatency } from '../src/measure.js';
import { freePort } from '../src/origin.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const env = { ...process.env, NG_CLI_ANALYTICS: 'false', NPM_CONFIG_UPDATE_NOTIFIER: 'false' };

/** `npm pack` of `dir` into `into`; returns the tarball's path. */
async function pack(dir: string, into: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', dir, '--json', '--pack-destination', into], { env });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return join(into, filename);
}

// Done-when check of @llstream/angular: what a user does with the published
// packages. A fresh Angular 21 app (ng new from the npm registry, no SSR,
// zoneless by default) installs the packed tarballs of the built
// @llstream/core and @llstream/vanilla (<ll-player>, which the component
// renders) and of ng-packagr's @llstream/angular output, gets the README's
// five-line usage, is built with `ng build`, served statically, and must play
// the origin's demo stream in headless Chromium with <ll-player>'s default UI.
describe('@llstream/angular in a fresh Angular 21 app', () => {
  const origin = useOriginAndBrowser();
  let dir = '';
  let server: PreviewServer | undefined;
  const timings: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'llstream-angular-fresh-'));
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const start = performance.now();
      const result = await work();
      timings.push(`${name} ${((performance.now() - start) / 1000).toFixed(1)} s`);
      return result;
    };
    const [core, vanilla, angular] = await step('npm pack', () =>
      Promise.all([pack(join(repo, 'core'), dir), pack(join(repo, 'vanilla'), dir), pack(join(repo, 'angular/dist'), dir)]),
    );
    await step('ng new', () =>
      run('npx', ['-y', '@angular/cli@21.2', 'new', 'fresh', '--defaults', '--minimal', '--skip-git', '--skip-install', '--ssr=false', '--style=css', '--interactive=false'], { cwd: dir, env }),
    );
    const app = join(dir, 'fresh');
    // ng new writes ^<its own version> for @angular/build, and the registry has at times
    // published @angular/cli 21.2.x before @angular/build 21.2.x (21.2.28 on 2026-11-23):
    // any 21.2 build is what an app of this CLI line gets.
    const manifestPath = join(app, 'package.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { devDependencies: Record<string, string> };
    manifest.devDependencies['@angular/build'] = '~21.2.0';
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
    await step('npm install', () => run('npm', ['install', '--no-audit', '--no-fund', core, vanilla, angular], { cwd: app, env }));
    const usage = await readFile(fileURLToPath(new URL('../fresh-apps/angular/app.ts', import.meta.url)), 'utf8');
    await writeFile(join(app, 'src/app/app.ts'), usage.replace('http://localhost:8080', origin.origin.url));
    await step('ng build', () => run('npx', ['ng', 'build'], { cwd: app, env }));
    const port = await freePort();
    server = await preview({
      configFile: false,
      logLevel: 'warn',
      root: app,
      build: { outDir: 'dist/fresh/browser' },
      preview: { host: '127.0.0.1', port, strictPort: true },
    });
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plays the demo stream well under 1 s glass-to-glass (p50, read from the strip), its readout true, with <ll-player>\'s controls', async () => {
    console.log(`fresh Angular app: ${timings.join(', ')}`);
    const installed = JSON.parse(await readFile(join(dir, 'fresh/node_modules/@angular/core/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toMatch(/^21\./);
    const page = await origin.browser.context.newPage();
    await page.goto(server!.resolvedUrls!.local[0]!);
    const m = await measureLatency(page, { selector: 'llstream-player', settleMs: 5000, durationMs: 20_000 });
    console.log(`fresh Angular app over 20 s: ${formatMeasurement(m)}`);
    // 30 fps for 20 s: most frames presented and readable.
    expect(m.glassToGlass.count).toBeGreaterThan(400);
    // Well under a second on this saturated machine (a CI run read 583 ms at an automatic target
    // raised by load); how low the automatic target holds is bench:ingest's (test source row).
    expect(m.glassToGlass.p50).toBeLessThan(1000);
    expect(m.estimateError.p95).toBeLessThan(100);
    // <ll-player>'s readout (a part in its shadow root, which locators pierce) shows the same player's estimate.
    await expect
      .poll(() => page.locator('llstream-player ll-player [part="latency"]').textContent())
      .toMatch(/^\s*Latency \d+\.\d\d s · target \d+\.\d\d s\s*$/);
    // The one default UI, as <ll-player> shows it, found by accessible name.
    await expectDefaultControls(page);
    await page.close();
  });
});
