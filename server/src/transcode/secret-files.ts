import { closeSync, mkdtempSync, openSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Each text as a read-only file descriptor of a file that no longer has a
 * name: written in a new private directory (mode 0700, the file 0600),
 * opened, then unlinked and the directory removed, all before any child
 * starts. A child given the descriptor reads it from the start (as
 * `/dev/fd/N` or `pipe:N`); no other process can open it by name, and it
 * is gone when the last descriptor closes.
 *
 * Why not a pipe: Node's `'pipe'` stdio is a socket pair, which ffmpeg's
 * preset reader cannot `fopen` through `/dev/fd/N`; a regular file can.
 * @returns one descriptor per text; the caller closes them (after handing them to a child).
 */
export function secretFileDescriptors(texts: readonly string[]): number[] {
  if (texts.length === 0) return [];
  const directory = mkdtempSync(join(tmpdir(), 'llstream-'));
  const descriptors: number[] = [];
  try {
    texts.forEach((text, index) => {
      const path = join(directory, String(index));
      writeFileSync(path, text, { mode: 0o600 });
      try {
        descriptors.push(openSync(path, 'r'));
      } finally {
        unlinkSync(path);
      }
    });
  } catch (error) {
    for (const descriptor of descriptors) closeSync(descriptor);
    throw error;
  } finally {
    rmdirSync(directory);
  }
  return descriptors;
}

/** Closes descriptors of {@link secretFileDescriptors} (the parent's copies, once a child has its own). */
export function closeDescriptors(descriptors: readonly number[]): void {
  for (const descriptor of descriptors) closeSync(descriptor);
}
