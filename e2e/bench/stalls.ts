/**
 * `npm run bench:stalls -w @llstream/e2e [-- --seconds 150 --target auto|0.25]`:
 * plays the demo page (the real origin and ffmpeg test source, headless
 * Chromium) for a while and reports glass-to-glass latency from the strip,
 * buffer ahead and floor, and every stall with the buffer still in hand when
 * it began and how long it lasted: how the README's renderer-reserve rows
 * were made. A script, not a test: it reports numbers and asserts nothing.
 */
import { parseArgs } from 'node:util';
import { launchBrowser } from '../src/browser.js';
import { waitForSteadyStream } from '../src/config.js';
import { formatMeasurement, measureLatency } from '../src/measure.js';
import { startOrigin } from '../src/origin.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '150' }, target: { type: 'string', default: 'auto' } } });
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds: expected a positive number of seconds, got ${values.seconds}`);
const query = values.target === 'auto' ? '' : `?targetLatency=${encodeURIComponent(values.target)}`;

const origin = await startOrigin();
const browser = await launchBrowser();
try {
  await waitForSteadyStream(origin.url, 'demo');
  const page = await browser.context.newPage();
  await page.goto(`${origin.url}/${query}`);
  const m = await measureLatency(page, { settleMs: 5000, durationMs: seconds * 1000 });
  console.log(`target ${values.target}, ${seconds} s: ${formatMeasurement(m).split('\n')[0]}`);
  for (const [i, trace] of m.stalls.entries()) {
    const before = trace.states.filter((s) => s.dtMs < 0).at(-1);
    const resumed = trace.states.find((s) => s.dtMs > 0 && s.status === 'playing');
    console.log(
      `stall ${i + 1}: ${before ? `${Math.round(before.bufferAhead * 1000)} ms buffered at rate ${before.playbackRate}` : 'no state before it'}, ` +
        `${resumed ? `played again after ${resumed.dtMs} ms` : 'still stalled 4 s later'}`,
    );
  }
} finally {
  await browser.close();
  await origin.stop();
}
