import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toKeyHashes } from '../src/auth/key-hash.js';
import { StreamKeyRing } from '../src/auth/stream-keys.js';
import { getText, liveManifest, put } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** Runs the CLI from source with tsx. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

describe('llstream-server --config', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-cli-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('refuses a bad config file with every problem, naming the file and field, and exit code 2', async () => {
    const file = join(directory, 'bad.yaml');
    await writeFile(file, 'server:\n  port: 99999\ntranscode:\n  codec: h265\n');
    const run = startCli(['--config', file]);
    const [code] = (await once(run.child, 'close')) as [number];
    expect(code).toBe(2);
    expect(run.stderr().trim().split('\n')).toEqual([
      `llstream-server: ${file}: server.port: expected a port from 0 to 65535`,
      `llstream-server: ${file}: transcode.codec: expected h264 or av1`,
    ]);
    expect(run.stdout()).toBe('');
  });

  it('takes settings from the file and lets flags override them', async () => {
    const file = join(directory, 'origin.yaml');
    // An address this machine does not have: only the --host flag lets it start.
    await writeFile(file, 'server: { host: 203.0.113.1, port: 1 }\ntestSource: { enabled: true }\nlog: { format: json, level: info }\n');
    const run = startCli(['--config', file, '--host', '127.0.0.1', '--port', '0', '--no-test-source']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        run.child.stdout.on('data', () => {
          const listening = run.stdout().match(/"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"origin listening"/);
          if (listening) resolve(listening[1]!);
        });
        run.child.once('close', () => reject(new Error(`exited: ${run.stderr()}`)));
      });
      // JSON log lines from the file's log.format; the config file is named.
      expect(run.stdout()).toContain(`"config":${JSON.stringify(file)},"msg":"config loaded"`);
      const health = JSON.parse((await getText(`${url}/healthz`)).body) as { testSource: unknown };
      expect(health.testSource).toBeNull();
    } finally {
      run.child.kill('SIGTERM');
      await once(run.child, 'close');
    }
  });

  it('replaces stream keys on SIGHUP without a restart: the new key works, an unused old one does not, the one in use keeps working', async () => {
    const file = join(directory, 'keys.yaml');
    const config = (keys: string[]) =>
      `server: { host: 127.0.0.1, port: 0 }\ntestSource: { enabled: false }\nrtmp: { enabled: false }\nlog: { format: json, level: info }\nstreams:\n  - { name: cam, key: ${JSON.stringify(keys)}, source: { type: rtmp } }\n`;
    await writeFile(file, config(['in-use-key-0001', 'unused-key-0002']));
    const run = startCli(['--config', file]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        run.child.stdout.on('data', () => {
          const listening = run.stdout().match(/"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"origin listening"/);
          if (listening) resolve(listening[1]!);
        });
        run.child.once('close', () => reject(new Error(`exited: ${run.stderr()}`)));
      });
      const publishWith = (key: string) => put(`${url}/ingest/cam/manifest.mpd`, liveManifest(), 'PUT', { authorization: `Bearer ${key}` });
      expect(await publishWith('in-use-key-0001')).toBe(204);
      expect(await publishWith('new-key-000003')).toBe(403);

      await writeFile(file, config(['new-key-000003']));
      run.child.kill('SIGHUP');
      await vi.waitFor(() => expect(run.stdout()).toContain('config reloaded: stream keys replaced'));
      expect(await publishWith('new-key-000003')).toBe(204);
      expect(await publishWith('unused-key-0002')).toBe(403);
      expect(await publishWith('in-use-key-0001')).toBe(204);
      // Neither the plain keys nor their hashes are logged.
      expect(run.stdout()).not.toMatch(/in-use-key|unused-key|new-key|\$scrypt\$/);
    } finally {
      run.child.kill('SIGTERM');
      await once(run.child, 'close');
    }
  });

  it('hash-key prints a PHC scrypt hash of the key read from stdin', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'hash-key'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stdin.end('my-stream-key\n');
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}\n$/);
    const ring = new StreamKeyRing(toKeyHashes([stdout.trim()]));
    expect(await ring.verify('my-stream-key')).toBe(true);
    expect(await ring.verify('my-stream-kez')).toBe(false);
  });
});
