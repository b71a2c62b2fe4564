import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText } from './helpers.js';

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
});
