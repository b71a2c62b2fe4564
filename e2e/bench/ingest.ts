// Ingest benchmark (GitHub issue 14): per source (the built-in test source, an
// RTMP publisher, an SRT publisher as the README advises and one with
// ffmpeg's default audio PES, a pulled live HTTP URL) and per player
// (<ll-player> at its automatic target, dash.js with its defaults, Shaka
// with liveSync), one after another against one origin, in headless
// Chromium: glass-to-glass latency read from the capture-time strip of every
// presented frame, each player's own latency reading against the strip,
// time to first frame and stalls. Writes results/ingest/ingest.md and
// ingest.json.
//
//   npm run bench:ingest -- [--sources test,rtmp,srt,srt-default-pes,pull] [--players llstream,dashjs,shaka]
//     [--seconds 60] [--settle 15] [--shaka-target 0.5] [--out DIR]
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumPath, launchBrowser } from '../src/browser.js';
import { waitForSteadyStream, writeConfig } from '../src/config.js';
import { freePort, startOrigin } from '../src/origin.js';
import { publishRtmp, publishSrt, stampedPattern, type Publisher } from '../src/publishers.js';
import { summarize, type Summary } from '../src/stats.js';
import { fetchLiveManifest } from './ladder.js';
import { startPageServer } from './page-server.js';
import { PLAYER_TITLES, PLAYERS, runPlayer, type PlayerName, type RunResult } from './run-player.js';

const SOURCES = ['test', 'rtmp', 'srt', 'srt-default-pes', 'pull'] as const;
type Source = (typeof SOURCES)[number];
const SOURCE_TITLES: Record<Source, string> = {
  test: 'test source',
  rtmp: 'RTMP publisher',
  srt: 'SRT publisher',
  'srt-default-pes': "SRT publisher, ffmpeg's default audio PES",
  pull: 'pulled live HTTP URL',
};
const STREAMS: Record<Source, string> = { test: 'demo', rtmp: 'cam', srt: 'field', 'srt-default-pes': 'field', pull: 'camera' };
const KEY = 'bench-key-0123456789';

const { values } = parseArgs({
  options: {
    sources: { type: 'string', default: SOURCES.join(',') },
    players: { type: 'string', default: PLAYERS.join(',') },
    seconds: { type: 'string', default: '60' },
    settle: { type: 'string', default: '15' },
    'shaka-target': { type: 'string', default: '0.5' },
    out: { type: 'string', default: fileURLToPath(new URL('../results/ingest/', import.meta.url)) },
  },
});
const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
const sources = list(values.sources) as Source[];
for (const s of sources) if (!SOURCES.includes(s)) throw new Error(`unknown source "${s}"; known: ${SOURCES.join(', ')}`);
const players = list(values.players) as PlayerName[];
for (const p of players) if (!PLAYERS.includes(p)) throw new Error(`unknown player "${p}"; known: ${PLAYERS.join(', ')}`);
const seconds = Number(values.seconds);
const settleSeconds = Number(values.settle);
const shakaTarget = Number(values['shaka-target']);
if (!(seconds > 0 && settleSeconds > 0 && shakaTarget > 0)) throw new Error('--seconds, --settle and --shaka-target take positive numbers');
/** llstream: its automatic target; dash.js: the MPD's (its defaults); Shaka: liveSync at --shaka-target. */
const targetOf = (player: PlayerName): number | null => (player === 'shaka' ? shakaTarget : null);
const args = process.argv.slice(2);
const command = `npm run bench:ingest${args.length === 0 ? '' : ` -- ${args.join(' ')}`}`;
console.log(command);
console.log(`${sources.length * players.length} runs, about ${Math.ceil((sources.length * (30 + players.length * (settleSeconds + seconds + 5))) / 60)} min`);

/** A live MPEG-TS camera over HTTP: the stamped pattern, encoded for each GET. */
async function startCamera(): Promise<{ url: string; close(): void }> {
  const feeds = new Set<ReturnType<typeof spawn>>();
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'video/mp2t' });
    const feed = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...stampedPattern(), '-flush_packets', '1', '-f', 'mpegts', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    feeds.add(feed);
    feed.stdout.pipe(response);
    response.on('close', () => {
      feed.kill('SIGKILL');
      feeds.delete(feed);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.ts`,
    close: () => {
      for (const feed of feeds) feed.kill('SIGKILL');
      server.close();
    },
  };
}

const started = Date.now();
const pages = await startPageServer();
const browser = await launchBrowser();

interface Row {
  source: Source;
  result: RunResult;
  /** |player's own reading − strip|, ms, per frame (both taken in the frame's requestVideoFrameCallback). */
  estimateError: Summary;
}
const rows: Row[] = [];
try {
  // One origin per source, with that source alone: every source is measured beside one
  // 4-rung transcode (and its publisher), as a deployment with one stream would run.
  for (const source of sources) {
    const rtmpPort = await freePort();
    const srtPort = await freePort();
    const camera = source === 'pull' ? await startCamera() : undefined;
    const config = await writeConfig({
      rtmp: { enabled: true, port: rtmpPort },
      testSource: { enabled: source === 'test' },
      streams: [
        ...(source === 'rtmp' ? [{ name: STREAMS.rtmp, key: KEY, source: { type: 'rtmp' } }] : []),
        ...(source === 'srt' || source === 'srt-default-pes' ? [{ name: STREAMS.srt, key: KEY, source: { type: 'srt', port: srtPort } }] : []),
        ...(camera === undefined ? [] : [{ name: STREAMS.pull, source: { type: 'pull', url: camera.url } }]),
      ],
    });
    const origin = await startOrigin({ args: ['--config', config], waitForStream: null });
    let publisher: Publisher | undefined;
    if (source === 'rtmp') publisher = publishRtmp(`rtmp://127.0.0.1:${rtmpPort}/live/${STREAMS.rtmp}?key=${KEY}`);
    // SRT as the README advises (each audio frame in its own PES), and with ffmpeg's default.
    if (source === 'srt' || source === 'srt-default-pes') {
      publisher = publishSrt(`srt://127.0.0.1:${srtPort}?passphrase=${KEY}&pbkeylen=16`, { audioPesPerFrame: source === 'srt' });
    }
    try {
      const stream = STREAMS[source];
      await waitForSteadyStream(origin.url, stream);
      const manifestUrl = `${origin.url}/live/${stream}/manifest.mpd`;
      const { ladder } = await fetchLiveManifest(manifestUrl);
      for (const player of players) {
        const result = await runPlayer(browser.context, pages.url, manifestUrl, ladder, {
          player,
          target: targetOf(player),
          profile: source,
          steps: [],
          settleSeconds,
          seconds,
        });
        const estimateError = result.estimateError ?? summarize([]);
        rows.push({ source, result, estimateError });
        console.log(
          `${SOURCE_TITLES[source]}, ${PLAYER_TITLES[player]}: ` +
            (result.error ??
              `g2g p50 ${Math.round(result.g2g.p50)} ms p95 ${Math.round(result.g2g.p95)} ms, |estimate − strip| p50 ${Math.round(estimateError.p50)} ms p95 ${Math.round(estimateError.p95)} ms, ` +
                `TTFF ${result.timeToFirstFrameMs} ms, stalls ${result.stallCount}`) +
            `; load average ${result.loadAverage}`,
        );
      }
    } finally {
      await publisher?.stop();
      await origin.stop();
      camera?.close();
    }
  }
} finally {
  await browser.close();
  await pages.close();
}

const runtime = Math.round((Date.now() - started) / 1000);
const ms = (n: number) => (Number.isNaN(n) ? '–' : String(Math.round(n)));
const label = (player: PlayerName): string =>
  player === 'llstream' ? 'llstream, automatic target' : player === 'dashjs' ? "dash.js 5.2, defaults (the MPD's target)" : `Shaka 5.2, liveSync ${shakaTarget} s`;
const table = [
  '| Source | Player | G2G p50 ms | G2G p95 ms | Estimate error p50 / p95 ms | TTFF ms | Stalls | Load average |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(({ source, result: r, estimateError: e }) =>
    r.error !== null
      ? `| ${SOURCE_TITLES[source]} | ${label(r.player)} | failed: ${r.error.replaceAll('|', '\\|')} | | | | | ${r.loadAverage} |`
      : `| ${SOURCE_TITLES[source]} | ${label(r.player)} | ${ms(r.g2g.p50)} | ${ms(r.g2g.p95)} | ${ms(e.p50)} / ${ms(e.p95)} | ${r.timeToFirstFrameMs ?? '–'} | ${r.stallCount} | ${r.loadAverage} |`,
  ),
].join('\n');
console.log(`\n${table}\n\ntotal runtime ${Math.floor(runtime / 60)} min ${runtime % 60} s`);

const revision = (() => {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'core', 'vanilla', 'server') === '' ? '' : ' with uncommitted changes'}`;
  } catch {
    return 'unknown';
  }
})();
const chromium = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const out = resolve(values.out);
await mkdir(out, { recursive: true });
await writeFile(
  join(out, 'ingest.md'),
  `# Ingest benchmark

Run ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')}, ${Math.floor(runtime / 60)} min ${runtime % 60} s, with:

    ${command}

${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${chromium} headless;
llstream (origin and \`<ll-player>\`) built from ${revision}. One origin per source, with that source alone
(its 4-rung encode, the publisher's encode and the browser on the same 2 cores).

Publishers: ffmpeg, a 1280x720 30 fps test pattern stamped with the capture-time strip at capture
(../shared/spec/timecode-strip.md), libx264 \`ultrafast\`/\`zerolatency\`, AAC; RTMP (FLV) and SRT (MPEG-TS,
passphrase, the listener's 120 ms receive latency; each AAC frame in its own PES, \`-pes_payload_size 0\`, as the
README advises, and once more with ffmpeg's default of 2930 bytes of audio per PES, 0.18 s at 128 kb/s);
"pulled live HTTP URL" is the same pattern served as
live MPEG-TS over HTTP and pulled by the origin. Each player plays alone, one after another, for ${seconds} s
after ${settleSeconds} s. Glass-to-glass latency is read from the strip of every presented frame; the
estimate error is each player's own latency reading against the strip, frame by frame, both taken in the frame's
\`requestVideoFrameCallback\` (llstream: its snapshot; dash.js \`getCurrentLiveLatency()\`; Shaka \`getStats().liveLatency\`).

${table}
`,
);
await writeFile(join(out, 'ingest.json'), JSON.stringify({ command, revision, chromium, rows }, null, 2));
console.log(`wrote ${join(out, 'ingest.md')}`);
