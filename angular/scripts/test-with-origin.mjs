// Runs the Karma specs (ng test) against a real origin: starts the built
// @llstream/server CLI with its ffmpeg test source on a free loopback port,
// waits for the demo stream's manifest, runs Karma with the origin's URL in
// LLSTREAM_ORIGIN_URL, and stops the origin whatever happens.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
process.env.CHROME_BIN ??= require('../../scripts/chromium.cjs').chromiumPath;

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const cli = join(dirname(require.resolve('@llstream/server')), 'cli.js');
const origin = spawn(process.execPath, [cli, '--port', String(port), '--host', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
origin.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
const exited = once(origin, 'exit');
const stopOrigin = async () => {
  if (origin.exitCode !== null || origin.signalCode !== null) return;
  origin.kill('SIGTERM');
  const timer = setTimeout(() => origin.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopOrigin().then(() => process.exit(130)));

let status = 1;
try {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (origin.exitCode !== null) throw new Error(`origin exited with ${origin.exitCode}:\n${stderr}`);
    const ok = await fetch(`${url}/live/demo/manifest.mpd`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`origin not serving the demo stream within 30 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // A freshly started ffmpeg runs behind real time for its first seconds; latency is judged once
  // the stream has been live for 10 s (as e2e/src/config.ts waitForSteadyStream does). Karma's
  // build takes most of that wait.
  const { since } = await (await fetch(`${url}/api/streams/demo`)).json();
  const steadyAt = Date.parse(since) + 10_000;
  process.env.LLSTREAM_STEADY_AT = String(steadyAt);
  const karma = spawn('npx', ['ng', 'test', 'llstream-angular'], {
    stdio: 'inherit',
    env: { ...process.env, LLSTREAM_ORIGIN_URL: url, NG_CLI_ANALYTICS: 'false' },
  });
  [status] = await once(karma, 'exit');
} finally {
  await stopOrigin();
}
process.exit(status ?? 1);
