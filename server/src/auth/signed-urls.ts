import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The playback token of a signed URL, the path element between the stream
 * and the file: `/live/{stream}/{expires}-{signature}/{file}`.
 *
 * - `expires`: Unix time in whole seconds (decimal, 1 to 12 digits) after
 *   which the token is refused;
 * - `signature`: HMAC-SHA256 with the signing secret (its UTF-8 bytes) as
 *   key over the UTF-8 bytes of `{stream}:{expires}` (the stream name, a
 *   colon, the same decimal `expires`), as 64 lowercase hex digits.
 *
 * One token covers every file of one stream (manifest, init and media
 * segments) until it expires: a path element rather than a query
 * parameter, because the manifest's relative segment URLs resolve against
 * the manifest's URL, so the player carries the token to every segment
 * request without the manifest being rewritten per viewer (and an edge can
 * cache one copy of each file for every token; see `server/edge/signed-urls.vcl`).
 */
export const PLAYBACK_TOKEN_PATTERN = /^(\d{1,12})-([0-9a-f]{64})$/;

/** Why a playback request was refused (HTTP 403). */
export type PlaybackTokenProblem = 'missing' | 'malformed' | 'bad signature' | 'expired';

/** Outcome of {@link checkPlaybackToken}. */
export type PlaybackTokenCheck = { ok: true } | { ok: false; problem: PlaybackTokenProblem; message: string };

/**
 * How far a verifier's clock may run ahead of the signer's, seconds: a token
 * is accepted until `expires + clockSkew`. NTP keeps servers within
 * milliseconds; 30 s covers a host whose clock sync is broken for a while
 * without making short-lived tokens meaningless.
 */
export const DEFAULT_CLOCK_SKEW = 30;

function signature(secret: string, stream: string, expires: string): string {
  return createHmac('sha256', secret).update(`${stream}:${expires}`).digest('hex');
}

/**
 * Makes the token of a signed playback URL (see {@link PLAYBACK_TOKEN_PATTERN}).
 * @param expires Unix time, seconds (rounded down to whole seconds).
 * @throws RangeError if `expires` is not a non-negative time of at most 12 digits.
 */
export function signPlaybackToken(secret: string, stream: string, expires: number): string {
  const whole = Math.floor(expires);
  if (!Number.isFinite(whole) || whole < 0 || whole > 999_999_999_999) throw new RangeError(`expires ${expires} must be Unix seconds`);
  return `${whole}-${signature(secret, stream, String(whole))}`;
}

/**
 * A signed playback path: `/live/{stream}/{token}/{file}`.
 * @param expires Unix time, seconds.
 */
export function signedPlaybackPath(secret: string, stream: string, file: string, expires: number): string {
  return `/live/${stream}/${signPlaybackToken(secret, stream, expires)}/${file}`;
}

/**
 * Checks a playback token for `stream` against every secret in `secrets`
 * (more than one during a secret rotation), comparing signatures in
 * constant time.
 * @param token the path element, or undefined when the URL has none.
 * @param now the verifier's time, Unix ms.
 * @param clockSkew seconds (see {@link DEFAULT_CLOCK_SKEW}).
 */
export function checkPlaybackToken(
  secrets: readonly string[],
  stream: string,
  token: string | undefined,
  now = Date.now(),
  clockSkew = DEFAULT_CLOCK_SKEW,
): PlaybackTokenCheck {
  if (token === undefined) {
    return { ok: false, problem: 'missing', message: `stream ${stream} is private: play it from a signed URL, /live/${stream}/{expires}-{signature}/{file}` };
  }
  const match = PLAYBACK_TOKEN_PATTERN.exec(token);
  if (match === null) {
    return { ok: false, problem: 'malformed', message: 'playback token must be {expires}-{signature}: Unix seconds, a dash, 64 lowercase hex digits' };
  }
  const [, expires, presented] = match;
  const presentedBytes = Buffer.from(presented!, 'hex');
  const valid = secrets.some((secret) => timingSafeEqual(Buffer.from(signature(secret, stream, expires!), 'hex'), presentedBytes));
  if (!valid) return { ok: false, problem: 'bad signature', message: `playback token signature does not match stream ${stream}` };
  const nowSeconds = Math.floor(now / 1000);
  if (nowSeconds > Number(expires) + clockSkew) {
    return { ok: false, problem: 'expired', message: `playback token expired at ${new Date(Number(expires) * 1000).toISOString()}` };
  }
  return { ok: true };
}
