import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Cost of new key hashes: scrypt with N = 2^14, r = 8, p = 1 (16 MiB of
 * memory, about 40 ms on one core of the 2-core CI machine), the parameters
 * RFC 7914 §2 and OWASP's password storage cheat sheet give for interactive
 * logins. A stream key is checked once per publish (RTMP, SRT) or, for HTTP
 * ingest, once per new key: an accepted key is remembered (see
 * {@link StreamKeyRing}), so the per-segment cost is one SHA-256.
 */
export const KEY_HASH_COST = { logN: 14, r: 8, p: 1 } as const;

/** Salt length of new key hashes, bytes (16: RFC 7914 asks for at least 16 random bytes). */
const SALT_BYTES = 16;
/** Derived key length, bytes (32: the SHA-256 block output scrypt is built on). */
const HASH_BYTES = 32;

/**
 * A stored stream key hash in the PHC string format
 * (`https://github.com/P-H-C/phc-string-format`):
 *
 * ```
 * $scrypt$ln=14,r=8,p=1$<salt>$<hash>
 * ```
 *
 * `ln` is log2 of scrypt's N, `r` the block size, `p` the parallelism;
 * `<salt>` and `<hash>` are standard base64 without `=` padding (the PHC
 * rule), 16 and 32 bytes. This is the format of passlib's `scrypt` hashes.
 */
export const KEY_HASH_PATTERN = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{32,})$/;

/**
 * Most memory one key check may take, bytes: 64 MiB (scrypt with N = 2^16,
 * r = 8, four times the default {@link KEY_HASH_COST}). A stored hash above
 * it is refused when the config is loaded or a rotation arrives: each
 * wrong key presented costs one check (a hash with N = 2^20, r = 32 took
 * 4 GiB and 29 s per attempt).
 */
export const MAX_KEY_HASH_MEMORY = 64 * 1024 * 1024;

/** Largest scrypt parallelism `p` of a stored hash (p runs one after the other: check time grows with it). */
export const MAX_KEY_HASH_PARALLELISM = 4;

/** Memory scrypt needs for one check with this cost, bytes (128 × N × r, RFC 7914 §2). */
export function scryptMemory(cost: Pick<KeyHash, 'logN' | 'r'>): number {
  return 128 * 2 ** cost.logN * cost.r;
}

/** A parsed {@link KEY_HASH_PATTERN} string. */
export interface KeyHash {
  /** The PHC string it was parsed from. */
  readonly text: string;
  readonly logN: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Whether `value` is meant as a key hash (starts with `$scrypt$`) rather than a plain key. */
export function looksLikeKeyHash(value: string): boolean {
  return value.startsWith('$scrypt$');
}

/**
 * Parses a stored key hash.
 * @returns the hash, or a problem phrased for a config error.
 */
export function parseKeyHash(text: string): KeyHash | { problem: string } {
  const match = KEY_HASH_PATTERN.exec(text);
  if (match === null) return { problem: 'expected a key hash like $scrypt$ln=14,r=8,p=1$SALT$HASH (made by `llstream-server hash-key`)' };
  const [, logN, r, p, salt, hash] = match;
  const parsed = { text, logN: Number(logN), r: Number(r), p: Number(p), salt: Buffer.from(salt!, 'base64'), hash: Buffer.from(hash!, 'base64') };
  // Every wrong key presented costs one check: a stored cost must not let a caller spend gigabytes or seconds per guess.
  if (parsed.logN < 10 || parsed.r < 1 || parsed.p < 1 || parsed.p > MAX_KEY_HASH_PARALLELISM || scryptMemory(parsed) > MAX_KEY_HASH_MEMORY) {
    return {
      problem: `key hash cost out of range: at least ln=10, r=1, p=1; at most p=${MAX_KEY_HASH_PARALLELISM} and 128 × 2^ln × r = ${MAX_KEY_HASH_MEMORY / 2 ** 20} MiB of memory per check (ln=14, r=8 takes 16 MiB)`,
    };
  }
  if (parsed.salt.length < SALT_BYTES || parsed.hash.length !== HASH_BYTES) return { problem: 'key hash salt or hash has the wrong length' };
  return parsed;
}

function scryptOptions(hash: Pick<KeyHash, 'logN' | 'r' | 'p'>): ScryptOptions {
  const N = 2 ** hash.logN;
  // Node refuses N * r * 128 above maxmem (32 MiB by default); allow what the parameters need.
  return { N, r: hash.r, p: hash.p, maxmem: 256 * N * hash.r + 1024 * 1024 };
}

function format(salt: Buffer, hash: Buffer, cost: Pick<KeyHash, 'logN' | 'r' | 'p'>): string {
  const b64 = (buffer: Buffer): string => buffer.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${cost.logN},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Hashes a plain stream key for storage (blocking: about 40 ms at the
 * default cost; for config loading and the CLI).
 * @returns a PHC string (see {@link KEY_HASH_PATTERN}), with a fresh random salt.
 */
export function hashKeySync(key: string, cost: Pick<KeyHash, 'logN' | 'r' | 'p'> = KEY_HASH_COST): string {
  const salt = randomBytes(SALT_BYTES);
  return format(salt, scryptSync(key, salt, HASH_BYTES, scryptOptions(cost)), cost);
}

/** {@link hashKeySync} on libuv's thread pool, for request handlers. */
export async function hashKey(key: string, cost: Pick<KeyHash, 'logN' | 'r' | 'p'> = KEY_HASH_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await new Promise<Buffer>((resolve, reject) =>
    scrypt(key, salt, HASH_BYTES, scryptOptions(cost), (error, derived) => (error === null ? resolve(derived) : reject(error))),
  );
  return format(salt, hash, cost);
}

/**
 * Checks a presented key against a stored hash, off the event loop, in
 * constant time in the key's content (the derived hashes are compared with
 * `timingSafeEqual`).
 */
export async function verifyKeyHash(presented: string, stored: KeyHash): Promise<boolean> {
  const derived = await new Promise<Buffer>((resolve, reject) =>
    scrypt(presented, stored.salt, stored.hash.length, scryptOptions(stored), (error, key) => (error === null ? resolve(key) : reject(error))),
  );
  return timingSafeEqual(derived, stored.hash);
}

/** A stream key list entry that is neither a usable plain key nor a valid hash. */
export class KeyFormatError extends Error {
  override readonly name = 'KeyFormatError';
}

/**
 * Turns a stream's configured keys (plain keys and/or {@link KEY_HASH_PATTERN}
 * strings) into hashes, hashing plain ones ({@link hashKeySync}, so about
 * 40 ms per plain key). The plain keys are not kept.
 * @throws KeyFormatError for an empty key or a string that starts like a hash and is not one.
 */
export function toKeyHashes(keys: string | readonly string[]): KeyHash[] {
  return (typeof keys === 'string' ? [keys] : keys).map((key, index) => {
    if (key === '') throw new KeyFormatError(`key ${index + 1} is empty`);
    const parsed = parseKeyHash(looksLikeKeyHash(key) ? key : hashKeySync(key));
    if ('problem' in parsed) throw new KeyFormatError(`key ${index + 1}: ${parsed.problem}`);
    return parsed;
  });
}
