import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes an llstream-server config (JSON is valid YAML) to a fresh temp file and returns its path. */
export async function writeConfig(config: object): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'llstream-config-'));
  const path = join(dir, 'llstream.json');
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
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
