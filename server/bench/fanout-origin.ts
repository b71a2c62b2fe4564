// The origin process of bench:fanout (see fanout.ts): createOrigin on
// 127.0.0.1:PORT with no streams of its own and HTTP ingest open to any
// stream name (loopback only, so the benchmark's ffmpeg needs no key).
//   node --import tsx bench/fanout-origin.ts PORT
import { createOrigin } from '../src/index.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`expected a port from 1 to 65535, got ${process.argv[2]}`);
// Every reader comes from 127.0.0.1: lift the per-client cap on held requests (64 by default).
const origin = createOrigin({ port, host: '127.0.0.1', testSource: false, rtmp: false, srt: false, openIngest: true, logLevel: 'warn', limits: { maxHeldRequestsPerClient: 1_000_000 } });
await origin.listen();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void origin.close().then(() => process.exit(0)));
}
