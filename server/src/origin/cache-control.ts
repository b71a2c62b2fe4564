/**
 * Cache-Control values, chosen so an HTTP CDN in front of the origin does
 * the right thing without special configuration.
 */

/**
 * Finished segments and init segments: their names are unique per publisher
 * run (the test source tags them), so the bytes under a name never change.
 */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Errors, `/time`, `/healthz`, aborted segments: never reuse. */
export const NO_STORE = 'no-store';

/** The demo page and player bundle: revalidate every time (they change with a rebuild). */
export const REVALIDATE = 'no-cache';

/**
 * A segment still uploading. Cacheable so an edge that streams misses (Varnish
 * with `beresp.do_stream`) collapses concurrent viewers onto one origin
 * request; short (one segment duration, at least 1 s since max-age counts
 * whole seconds) because the response was not known to be complete when it
 * started. A response whose upload then breaks off is cut short on the wire,
 * which an HTTP cache does not store as a complete object.
 * @param segmentDuration seconds
 */
export function inProgressSegment(segmentDuration: number): string {
  return `public, max-age=${Math.max(1, Math.round(segmentDuration))}`;
}

/**
 * The manifest: about half a segment duration, at least 1 s (max-age counts
 * whole seconds). With number-addressed templates players need no refresh;
 * a new publisher run (new segment names) shows up within that time.
 * @param segmentDuration seconds
 */
export function manifest(segmentDuration: number): string {
  return `public, max-age=${Math.max(1, Math.round(segmentDuration / 2))}`;
}
