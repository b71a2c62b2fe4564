#!/usr/bin/env node
// Packs every publishable package as `npm publish` would and checks the
// tarball with publint (package.json against the files) and
// @arethetypeswrong/cli (types resolve for every export, ESM only: CommonJS
// `require` is not supported). Run after the builds: `npm run check:packages`.
// With `--out <dir>` the checked tarballs are kept there (the release's
// packages, ready for `npm publish <tarball>`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { out: { type: 'string' } } });

/** Package folder (what `npm pack` runs in), and exports that are not modules to type-check. */
const PACKAGES = [
  { dir: 'core' },
  // A classic script and a JSON manifest: nothing to import types from.
  { dir: 'vanilla', notModules: ['./ll-player.iife.js', './custom-elements.json'] },
  { dir: 'react' },
  // ng-packagr's output (Angular Package Format), with its own package.json.
  { dir: 'angular/dist' },
  { dir: 'server' },
];

const out = args.out ? resolve(args.out) : mkdtempSync(join(tmpdir(), 'llstream-packs-'));
mkdirSync(out, { recursive: true });
let failed = 0;
try {
  for (const { dir, notModules = [] } of PACKAGES) {
    const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }));
    const tarball = join(out, filename);
    const checks = [
      ['publint', ['publint', '--strict', tarball]],
      ['attw', ['attw', tarball, '--profile', 'esm-only', ...(notModules.length ? ['--exclude-entrypoints', ...notModules] : [])]],
    ];
    for (const [name, args] of checks) {
      try {
        execFileSync('npx', ['--no-install', ...args], { stdio: 'pipe', encoding: 'utf8' });
        console.log(`${filename}: ${name} passed`);
      } catch (error) {
        failed++;
        console.error(`${filename}: ${name} FAILED\n${error.stdout}${error.stderr}`);
      }
    }
  }
} finally {
  if (!args.out) rmSync(out, { recursive: true, force: true });
}
if (args.out && !failed) console.log(`packages in ${out}`);
process.exit(failed ? 1 : 0);
