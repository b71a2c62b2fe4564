import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A fresh random token for this process's own ffmpeg publishers: 32 random
 * bytes, base64url (43 characters, nothing that needs escaping in a URL, an
 * HTTP header or an ffmpeg option string). Never logged, never configured:
 * it only has to be known to this process and the children it starts.
 */
export function createInternalToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Compares a presented key with the expected one in constant time (both
 * are hashed first, so neither the content nor the length leaks through
 * timing).
 */
export function keysMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Outcome of a publish key check: `ok`, `missing` (a key is required and
 * none was presented: HTTP 401) or `wrong` (HTTP 403).
 */
export type KeyCheck = 'ok' | 'missing' | 'wrong';

/** What the ingest side needs to know about a stream's publish key. */
export interface PublishKeys {
  /** The per-process token of the origin's own ffmpeg (see {@link createInternalToken}). */
  readonly internalToken: string;
  /**
   * The key external publishers of `stream` must present: a string, `null`
   * when the stream is declared without a key (anyone may publish), or
   * undefined when the stream is not declared.
   */
  streamKey(stream: string): string | null | undefined;
  /**
   * Whether HTTP publishes to streams that are not declared are accepted
   * without a key (trusted networks and tests only).
   */
  readonly openIngest: boolean;
}

/**
 * Checks an HTTP ingest request's key against {@link PublishKeys}: the
 * internal token is accepted for any stream; a declared stream's own key
 * for that stream; no key at all for a stream declared without one, or for
 * an undeclared stream when ingest is open.
 */
export function checkIngestKey(keys: PublishKeys, stream: string, presented: string | undefined): KeyCheck {
  if (presented !== undefined && keysMatch(presented, keys.internalToken)) return 'ok';
  const expected = keys.streamKey(stream);
  if (expected === null || (expected === undefined && keys.openIngest)) return 'ok';
  if (presented === undefined) return 'missing';
  if (expected !== undefined && keysMatch(presented, expected)) return 'ok';
  return 'wrong';
}

/**
 * The key of an HTTP request: `Authorization: Bearer KEY`, else the `key`
 * query parameter. An empty value counts as none.
 */
export function presentedKey(headers: { authorization?: string | undefined }, query: unknown): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  const key = (query as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}
