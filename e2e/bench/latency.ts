// Measures glass-to-glass latency of the demo page against a fresh origin and
// prints p50/p95, for the README. Usage:
//   npm run bench:latency -- [--seconds 60] [--target 1.0] [--runs 1]
import { parseArgs } from 'node:util';
import { launchBrowser } from '../src/browser.js';
import { formatMeasurement, measureLatency } from '../src/measure.js';
import { startOrigin } from '../src/origin.js';
import { waitForSteadyStream } from '../src/config.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    target: { type: 'string' },
    runs: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const runs = Number(values.runs);
if (!(seconds > 0) || !(runs > 0)) throw new Error('--seconds and --runs must be positive numbers');

const origin = await startOrigin();
const browser = await launchBrowser();
await waitForSteadyStream(origin.url, 'demo');
try {
  for (let run = 1; run <= runs; run++) {
    const page = await browser.context.newPage();
    const query = values.target === undefined ? '' : `?targetLatency=${encodeURIComponent(values.target)}`;
    await page.goto(`${origin.url}/${query}`);
    const m = await measureLatency(page, { durationMs: seconds * 1000 });
    console.log(`run ${run}/${runs}, ${seconds} s, target ${String(m.snapshot.targetLatency)} s: ${formatMeasurement(m)}`);
    await page.close();
  }
} finally {
  await browser.close();
  await origin.stop();
}
