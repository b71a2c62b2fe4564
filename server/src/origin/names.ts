/** Stream names: the `{stream}` path segment of ingest and playback URLs. */
export const STREAM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * File names a stream may hold: a base of `[A-Za-z0-9_-]` (so no `.`, `..`
 * or `/`) and one of the extensions DASH packaging produces.
 */
export const FILE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}\.(mpd|m4s|mp4)$/;

/** What a valid file name is. */
export type FileKind = 'manifest' | 'segment';

/** A name problem, phrased for the client. */
export interface NameProblem {
  problem: string;
}

function quote(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

/** @returns a problem description, or undefined if `name` is a valid stream name. */
export function checkStreamName(name: string): NameProblem | undefined {
  if (STREAM_NAME_PATTERN.test(name)) return undefined;
  return { problem: `stream name ${quote(name)} must be 1 to 64 characters of A-Z a-z 0-9 _ -` };
}

/** @returns the kind of file `name` is, or a problem description. */
export function checkFileName(name: string): FileKind | NameProblem {
  const match = FILE_NAME_PATTERN.exec(name);
  if (match !== null) return match[1] === 'mpd' ? 'manifest' : 'segment';
  if (name.includes('..')) return { problem: `file name ${quote(name)} must not contain ".."` };
  if (name.includes('/') || name.includes('\\')) return { problem: `file name ${quote(name)} must not contain a path separator` };
  return {
    problem: `file name ${quote(name)} must be 1 to 128 characters of A-Z a-z 0-9 _ - followed by .mpd, .m4s or .mp4`,
  };
}
