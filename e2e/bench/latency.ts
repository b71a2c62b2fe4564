// Comparative latency benchmark (GitHub issue 4, "Benchmark"): the project's
// <ll-player>, dash.js 5 with its default low-latency settings and Shaka
// Player with liveSync, one after another against the same live stream of
// one origin, in headless Chromium, with latency read from the capture-time
// strip, unthrottled and under each bandwidth pattern of
// ../shared/bench/network-profiles.json. Writes e2e/results/latency.md,
// latency.json and latency-<profile>.svg. See e2e/results/README.md.
//
//   npm run bench:latency -- [--profiles clean,spike] [--players llstream,dashjs,shaka]
//     [--target 0.3|auto] [--peer-targets 0.2,0.3,0.5] [--seconds 60] [--settle 10] [--out DIR]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumPath, launchBrowser, type Browser } from '../src/browser.js';
import { waitForSteadyStream } from '../src/config.js';
import { startOrigin } from '../src/origin.js';
import { fetchLiveManifest } from './ladder.js';
import { loadProfiles, passSeconds } from './network-profiles.js';
import { startPageServer } from './page-server.js';
import { bestRun, latencyPlotSvg, markdownTable, runLabel } from './report.js';
import { PLAYERS, runPlayer, type PlayerName, type RunResult, type RunSpec } from './run-player.js';
import { checkThrottling, formatThrottleCheck, type TimedFetch } from './throttle-check.js';

/** Target given to every player when `--target` is not: seconds. */
const DEFAULT_TARGET = 0.3;
/** Shortest measured window, seconds (the issue's "at least 60 s"). */
const MIN_WINDOW_SECONDS = 60;
/** Page load and teardown around each run's settle + window, seconds (measured: 2-3 s). */
const RUN_OVERHEAD_SECONDS = 3;

const { values } = parseArgs({
  options: {
    profiles: { type: 'string' },
    players: { type: 'string', default: PLAYERS.join(',') },
    target: { type: 'string' },
    'peer-targets': { type: 'string' },
    seconds: { type: 'string' },
    settle: { type: 'string', default: '15' },
    out: { type: 'string', default: fileURLToPath(new URL('../results/', import.meta.url)) },
  },
});

const positive = (text: string, option: string): number => {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${option} needs positive numbers, got "${text}"`);
  return n;
};
const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

const allProfiles = await loadProfiles();
const profiles = values.profiles === undefined ? Object.keys(allProfiles) : list(values.profiles);
for (const p of profiles) if (!(p in allProfiles)) throw new Error(`unknown profile "${p}"; known: ${Object.keys(allProfiles).join(', ')}`);
const players = list(values.players) as PlayerName[];
for (const p of players) if (!PLAYERS.includes(p)) throw new Error(`unknown player "${p}"; known: ${PLAYERS.join(', ')}`);
// `--target auto`: llstream at its automatic target only, the peers at the default target.
const autoOnly = values.target === 'auto';
const target = values.target === undefined || autoOnly ? DEFAULT_TARGET : positive(values.target, 'target');
const peerTargets = values['peer-targets'] === undefined ? [target] : list(values['peer-targets']).map((t) => positive(t, 'peer-targets'));
const settleSeconds = positive(values.settle, 'settle');
const windowFor = (profile: string): number =>
  values.seconds !== undefined ? positive(values.seconds, 'seconds') : Math.max(MIN_WINDOW_SECONDS, passSeconds(allProfiles[profile]!));

// What runs, per profile: llstream at the target (and, without --target, also
// with its automatic target; with `--target auto` only that), dash.js and Shaka at each peer target.
const specs: RunSpec[] = profiles.flatMap((profile) =>
  players.flatMap((player): RunSpec[] => {
    const llstreamTargets = autoOnly ? [null] : values.target === undefined ? [null, target] : [target];
    const targets: (number | null)[] = player === 'llstream' ? llstreamTargets : peerTargets;
    return targets.map((t) => ({ player, target: t, profile, steps: allProfiles[profile]!, settleSeconds, seconds: windowFor(profile) }));
  }),
);
const estimateSeconds = 25 + specs.reduce((sum, s) => sum + s.settleSeconds + s.seconds + RUN_OVERHEAD_SECONDS, 0);
const args = process.argv.slice(2);
const command = `npm run bench:latency${args.length === 0 ? '' : ` -- ${args.join(' ')}`}`;
console.log(`${command}`);
console.log(`${specs.length} runs, about ${Math.ceil(estimateSeconds / 60)} min in total:`);
for (const profile of profiles) {
  const runs = specs.filter((s) => s.profile === profile);
  console.log(`  ${profile}: ${runs.map((s) => runLabel(s)).join(', ')}; each measured from ${settleSeconds} s after load() for ${windowFor(profile)} s`);
}

function packageVersion(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '?';
}
/** The commit the player and origin were built from, and whether their sources differed from it. */
function llstreamRevision(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'core', 'vanilla', 'server') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in core/, vanilla/ or server/' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}
const require = createRequire(import.meta.url);
const machine = {
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  loadAverageAtEnd: [] as number[],
  node: process.version,
  chromium: execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
  dashjs: packageVersion(require.resolve('dashjs')),
  shaka: packageVersion(require.resolve('shaka-player')),
  llstream: llstreamRevision(),
};

const started = Date.now();
const origin = await startOrigin();
const pages = await startPageServer();
// One browser for all runs, relaunched if it goes away (a crash, or something
// else on the machine ending it), so one lost browser costs one run, not the benchmark.
const chromium: { browser: Browser | null; closed: boolean } = { browser: null, closed: false };
async function openBrowser(): Promise<Browser> {
  if (chromium.browser !== null && !chromium.closed) return chromium.browser;
  await chromium.browser?.close().catch(() => undefined);
  const launched = await launchBrowser();
  chromium.closed = false;
  launched.context.on('close', () => {
    chromium.closed = true;
  });
  chromium.browser = launched;
  return launched;
}
const results: RunResult[] = [];
let throttleCheck: TimedFetch[] = [];
try {
  const manifestUrl = `${origin.url}/live/demo/manifest.mpd`;
  await waitForSteadyStream(origin.url, 'demo');
  const manifest = await fetchLiveManifest(manifestUrl);
  console.log(`ladder: ${manifest.ladder.map((r) => `${r.height}p ${r.bandwidth / 1000} kbit/s`).join(', ')}`);
  if (profiles.some((p) => allProfiles[p]!.length > 0)) {
    throttleCheck = await checkThrottling((await openBrowser()).context, `${pages.url}/blank.html`, manifestUrl, manifest);
    console.log(`CDP throttling check:\n${formatThrottleCheck(throttleCheck).join('\n')}`);
  }
  for (const [i, spec] of specs.entries()) {
    let result = await runPlayer((await openBrowser()).context, pages.url, manifestUrl, manifest.ladder, spec);
    if (chromium.closed) {
      console.log(`[${i + 1}/${specs.length}] the browser closed during the run (${result.error ?? 'no error'}); relaunching it and running again`);
      result = await runPlayer((await openBrowser()).context, pages.url, manifestUrl, manifest.ladder, spec);
    }
    results.push(result);
    console.log(
      `[${i + 1}/${specs.length}] ${spec.profile} ${runLabel(spec)}: ` +
        (result.error ?? `g2g p50 ${Math.round(result.g2g.p50)} ms p95 ${Math.round(result.g2g.p95)} ms, stalls ${result.stallCount} (${result.stallTimeMs} ms), ${result.meanBitrateKbps} kbit/s`) +
        `; load average ${result.loadAverage}`,
    );
  }
} finally {
  await chromium.browser?.close().catch(() => undefined);
  await pages.close();
  await origin.stop();
}
machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
const runtimeSeconds = Math.round((Date.now() - started) / 1000);

// The table: per profile and player, the run at its best target (one run unless swept).
const shown = profiles.flatMap((profile) =>
  players.flatMap((player) => {
    const runs = results.filter((r) => r.profile === profile && r.player === player);
    if (player !== 'llstream' || runs.length === 0) return runs.length === 0 ? [] : [bestRun(runs)];
    return runs; // llstream's automatic and fixed targets are both shown
  }),
);
const table = markdownTable(shown);
console.log(`\n${table}\n\ntotal runtime ${Math.floor(runtimeSeconds / 60)} min ${runtimeSeconds % 60} s`);

const outDir = resolve(values.out);
await mkdir(outDir, { recursive: true });
for (const profile of profiles) {
  const svg = await latencyPlotSvg(profile, shown.filter((r) => r.profile === profile && r.error === null));
  await writeFile(join(outDir, `latency-${profile}.svg`), svg);
}
const swept = peerTargets.length > 1 && players.some((p) => p !== 'llstream');
const date = new Date(started).toISOString().replace(/\.\d+Z$/, 'Z');
const markdown = `# Comparative latency benchmark

Run ${date}, ${Math.floor(runtimeSeconds / 60)} min ${runtimeSeconds % 60} s, with:

    ${command}

Machine: ${machine.cpu}, ${machine.memoryGiB} GiB, load average ${machine.loadAverageAtStart.join(' ')} at start and ${machine.loadAverageAtEnd.join(' ')} at the end,
1-minute load average at the end of each run ${Math.min(...results.map((r) => r.loadAverage))}–${Math.max(...results.map((r) => r.loadAverage))} (per run in latency.json)
(the origin's ffmpeg encodes the 4-rung ladder on the same cores the browser decodes on); Node ${machine.node}, ${machine.chromium} headless,
dash.js ${machine.dashjs}, Shaka Player ${machine.shaka}; llstream (origin and \`<ll-player>\`) built from ${machine.llstream}.

Each row is one player playing the origin's built-in test stream (${'`demo`'}: 1 s segments, one CMAF chunk per frame, chunked transfer)
alone in the browser, the players one after another, against one origin started for the whole run. Glass-to-glass latency is read
from the capture-time strip of every presented frame (../shared/spec/timecode-strip.md). The bandwidth pattern starts at the
player's load() call and loops; statistics (all but TTFF) cover the measured window only, which starts ${settleSeconds} s after load()
(later only if the first frame was later), so every player is measured over the same stretch of the pattern, and a window as
long as one pass covers every step once. See [README.md](README.md) for what each column means and how each player is configured.

${table}
${
  swept
    ? `
dash.js and Shaka ran at targets ${peerTargets.join(', ')} s; the table shows the best per profile (fewest stalls, then lowest p50).
All runs:

${markdownTable(results)}
`
    : ''
}
Latency over time: ${profiles.map((p) => `[${p}](latency-${p}.svg)`).join(', ')}. Per-second series of every run: [latency.json](latency.json).

CDP throttling check (top rung, \`Network.emulateNetworkConditions\`, read through fetch()'s ReadableStream in the page;
a download running when the limit changes finishes unthrottled, see [README.md](README.md)):

${throttleCheck.length === 0 ? '- not run (no throttled profile)' : formatThrottleCheck(throttleCheck).join('\n')}
`;
await writeFile(join(outDir, 'latency.md'), markdown);
await writeFile(
  join(outDir, 'latency.json'),
  `${JSON.stringify({ date, command, runtimeSeconds, machine, settleSeconds, throttleCheck, runs: results }, null, 1)}\n`,
);
console.log(`wrote ${join(outDir, 'latency.md')}, latency.json and ${profiles.length} SVG plots`);
