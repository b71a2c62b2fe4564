import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FailureLimiter } from './failure-limiter.js';
import { hashKey, parseKeyHash, verifyKeyHash, type KeyHash } from './key-hash.js';

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
 * none was presented: HTTP 401), `wrong` (HTTP 403) or `limited` (the
 * client presented too many wrong keys lately: HTTP 429, nothing checked).
 */
export type KeyCheck = 'ok' | 'missing' | 'wrong' | 'limited';

/** Options of a {@link StreamKeyRing}. */
export interface StreamKeyRingOptions {
  /**
   * How long a key that a rotation removed stays valid for the publisher
   * still using it, ms since that publisher's last use: an HTTP publisher
   * presents its key on every segment upload (several a second), so a
   * publisher that keeps going is never cut off by a rotation, and one that
   * stopped for longer than this must use a current key.
   * @defaultValue 10 000 ms (ten 1 s segments: longer than any gap between
   *   the uploads of a running ffmpeg, shorter than a publisher restart)
   */
  retiredKeyIdle?: number;
}

interface StoredKey {
  readonly hash: KeyHash;
  /** SHA-256 of the presented key that last verified against `hash`. */
  accepted?: Buffer;
  /** When it was last presented and accepted, `performance.now()` ms. */
  lastUsedAt?: number;
}

/** At most this many refused keys are remembered per stream (cheap refusal of a retrying misconfigured publisher). */
const REFUSED_MEMORY = 256;

/**
 * The publish keys of one stream, stored only as scrypt hashes
 * ({@link KeyHash}), any number of them valid at once (a rotation lists old
 * and new), replaceable at run time ({@link StreamKeyRing.replace}).
 *
 * A presented key is checked with scrypt once; after that its SHA-256 is
 * remembered next to the hash that accepted it, so a publisher presenting
 * the same key on every segment upload costs a SHA-256 and a
 * `timingSafeEqual` per request. Keys that failed are remembered the same
 * way (up to 256), so a publisher retrying with a wrong key does not cost
 * a scrypt each time.
 */
export class StreamKeyRing {
  #current: StoredKey[];
  #retired: StoredKey[] = [];
  #refused = new Set<string>();
  #retiredKeyIdle: number;

  /** @param hashes the keys; an empty list accepts nothing. */
  constructor(hashes: readonly KeyHash[], options: StreamKeyRingOptions = {}) {
    this.#current = hashes.map((hash) => ({ hash }));
    this.#retiredKeyIdle = options.retiredKeyIdle ?? 10_000;
  }

  /** How many keys are current (retired ones still in use not counted). */
  get size(): number {
    return this.#current.length;
  }

  /** The stored hashes of the current keys (PHC strings). */
  get hashes(): string[] {
    return this.#current.map((key) => key.hash.text);
  }

  /**
   * Whether `presented` is one of the stream's keys, or a retired one its
   * publisher is still using (see {@link StreamKeyRingOptions.retiredKeyIdle}).
   */
  async verify(presented: string, now = performance.now()): Promise<boolean> {
    const digest = createHash('sha256').update(presented).digest();
    const active = (key: StoredKey): boolean => key.lastUsedAt !== undefined && now - key.lastUsedAt <= this.#retiredKeyIdle;
    for (const key of [...this.#current, ...this.#retired.filter(active)]) {
      if (key.accepted !== undefined && timingSafeEqual(key.accepted, digest)) {
        key.lastUsedAt = now;
        return true;
      }
    }
    const hex = digest.toString('hex');
    if (this.#refused.has(hex)) return false;
    for (const key of this.#current) {
      if (await verifyKeyHash(presented, key.hash)) {
        key.accepted = digest;
        key.lastUsedAt = performance.now();
        return true;
      }
    }
    if (this.#refused.size >= REFUSED_MEMORY) this.#refused.clear();
    this.#refused.add(hex);
    return false;
  }

  /**
   * Replaces the keys (a rotation). A key listed again (same hash string)
   * keeps its state. A removed key that a publisher used within
   * `retiredKeyIdle` stays valid for that publisher while it keeps using it,
   * unless `cutOff`.
   */
  replace(hashes: readonly KeyHash[], { cutOff = false }: { cutOff?: boolean } = {}): void {
    const now = performance.now();
    const byText = new Map(this.#current.map((key) => [key.hash.text, key]));
    const next = hashes.map((hash) => byText.get(hash.text) ?? { hash });
    const kept = new Set(next);
    const removed = this.#current.filter((key) => !kept.has(key));
    const inUse = (key: StoredKey): boolean => key.lastUsedAt !== undefined && now - key.lastUsedAt <= this.#retiredKeyIdle;
    this.#retired = cutOff ? [] : [...this.#retired, ...removed].filter(inUse);
    this.#current = next;
    this.#refused.clear();
  }
}

/** What the ingest side needs to know about a stream's publish key. */
export interface PublishKeys {
  /**
   * Whether `presented` is the credential of one of the origin's own
   * transcoders for `stream` (see `IngestCredentials`).
   */
  isTranscoder(stream: string, presented: string): boolean;
  /**
   * The keys external publishers of `stream` must present: a key ring,
   * `null` when the stream is declared without a key (anyone may publish),
   * or undefined when the stream is not declared.
   */
  streamKeys(stream: string): StreamKeyRing | null | undefined;
  /**
   * Whether HTTP publishes to streams that are not declared are accepted
   * without a key (trusted networks and tests only).
   */
  readonly openIngest: boolean;
}

let decoy: Promise<StreamKeyRing> | undefined;

/**
 * A key ring that no key opens (the hash of 32 random bytes, at the
 * default cost), checked for stream names that are not declared: a guess
 * at an unknown name then takes as long as one at a declared stream's key,
 * so the answer's timing tells no names.
 */
export function decoyKeyRing(): Promise<StreamKeyRing> {
  decoy ??= hashKey(randomBytes(32).toString('base64url')).then((text) => new StreamKeyRing([parseKeyHash(text) as KeyHash]));
  return decoy;
}

/** Who presents a key, for {@link checkIngestKey}'s rate limit of wrong keys. */
export interface KeyAttempt {
  /** The client, a `clientKey` of its address. */
  client: string;
  limiter: FailureLimiter;
}

/**
 * Checks an HTTP ingest request's key against {@link PublishKeys}: a
 * transcoder's credential for that stream; a declared stream's own keys
 * for that stream; no key at all for a stream declared without one, or for
 * an undeclared stream when ingest is open. With `attempt`, a client that
 * presented too many wrong keys lately gets `limited` before any key is
 * checked (a transcoder's credential, a cheap lookup, is still accepted:
 * the origin's own ffmpeg shares the loopback address with local
 * clients), and a wrong key counts against it.
 */
export async function checkIngestKey(keys: PublishKeys, stream: string, presented: string | undefined, attempt?: KeyAttempt): Promise<KeyCheck> {
  if (presented !== undefined && keys.isTranscoder(stream, presented)) return 'ok';
  const expected = keys.streamKeys(stream);
  if (expected === null || (expected === undefined && keys.openIngest)) return 'ok';
  if (presented === undefined) return 'missing';
  if (attempt !== undefined && attempt.limiter.retryAfter(attempt.client) > 0) return 'limited';
  if (await (expected ?? (await decoyKeyRing())).verify(presented)) return 'ok';
  attempt?.limiter.fail(attempt.client);
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
