import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** ISO/IEC 23009-1 MPD schema (vendored with its licence beside the server's tests). */
const schema = fileURLToPath(new URL('../../server/tests/fixtures/dash-schema/DASH-MPD.xsd', import.meta.url));

/**
 * Fetches the manifest at `url` and validates it against the DASH MPD schema
 * with xmllint (package libxml2-utils).
 * @returns the manifest text.
 * @throws Error with xmllint's findings when it does not validate, or the HTTP status when it is not served.
 */
export async function fetchValidManifest(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const text = await response.text();
  const dir = await mkdtemp(join(tmpdir(), 'llstream-mpd-'));
  try {
    const file = join(dir, 'manifest.mpd');
    await writeFile(file, text);
    await promisify(execFile)('xmllint', ['--noout', '--nonet', '--schema', schema, file]).catch((error: { stderr?: string }) => {
      throw new Error(`${url} does not validate against the DASH schema:\n${error.stderr ?? String(error)}\n${text}`);
    });
    return text;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
