import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './origin.js';

/** Writes an llstream-server config (JSON is valid YAML) to a fresh temp file and returns its path. */
export async function writeConfig(config: object): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'llstream-config-'));
  const path = join(dir, 'llstream.json');
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

/** An origin that takes RTMP publishers only: {@link rtmpOrigin}'s result. */
export interface RtmpOrigin {
  /** The origin's CLI arguments (its config file), for `startOrigin` or `useOriginAndBrowser`. */
  args: string[];
  /** Nothing to wait for at start: the streams go live when published. */
  waitForStream: null;
  /** Where publishers connect, e.g. `rtmp://127.0.0.1:40123/live` (append `/{stream}?key=...`). */
  rtmp: string;
}

/** Config of an origin with no test source and the RTMP streams `names`, each taking `key`, on a free RTMP port. */
export async function rtmpOrigin(names: readonly string[], key: string): Promise<RtmpOrigin> {
  const rtmpPort = await freePort();
  const config = await writeConfig({
    rtmp: { enabled: true, port: rtmpPort },
    testSource: { enabled: false },
    streams: names.map((name) => ({ name, key, source: { type: 'rtmp' } })),
  });
  return { args: ['--config', config], waitForStream: null, rtmp: `rtmp://127.0.0.1:${rtmpPort}/live` };
}

/** The state `/api/streams/{name}` reports, or `null` while the stream is unknown. */
export async function streamState(originUrl: string, name: string): Promise<string | null> {
  const response = await fetch(`${originUrl}/api/streams/${name}`);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`/api/streams/${name}: HTTP ${response.status}`);
  return ((await response.json()) as { state: string }).state;
}

/** Polls `/api/streams/{name}` until its state is `state`; throws after `timeoutMs`. */
export async function waitForStreamState(originUrl: string, name: string, state: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  while (Date.now() < deadline) {
    last = await streamState(originUrl, name);
    if (last === state) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`stream ${name} did not become ${state} within ${timeoutMs} ms (last state: ${last})`);
}

/**
 * Waits until stream `name` has been live for `ms` (its `since` in
 * `/api/streams`). A freshly started ffmpeg runs behind real time for its
 * first seconds and then catches up, so the capture stamps of those frames
 * are bunched: latency measured then is the encoder's start-up, not the
 * player's steady state.
 */
export async function waitForSteadyStream(originUrl: string, name: string, ms = 10_000): Promise<void> {
  await waitForStreamState(originUrl, name, 'live');
  const response = await fetch(`${originUrl}/api/streams/${name}`);
  const { since } = (await response.json()) as { since: string };
  const remaining = Date.parse(since) + ms - Date.now();
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
}
