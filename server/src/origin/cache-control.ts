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

/**
 * `Surrogate-Control` of a segment still uploading, for CDN caches only
 * (Fastly reads it in preference to Cache-Control and strips it; the
 * shipped Varnish VCL does the same): keep it as long as a finished
 * segment. Its bytes never change once complete (names are unique per
 * publisher run), and an upload that breaks off ends the response without
 * its terminating chunk, which a cache does not store. Browsers keep the
 * short {@link inProgressSegment} Cache-Control.
 */
export const SURROGATE_SEGMENT = 'max-age=31536000';

/**
 * Request header with which Akamai's origin-assist prefetch says it is on
 * (value `1`); see {@link PREFETCH_PATH_HEADER}.
 * Source: Akamai Adaptive Media Delivery, "Use the origin-assist scheme"
 * (techdocs.akamai.com/adaptive-media-delivery/docs/use-the-origin-assist-scheme).
 */
export const PREFETCH_ENABLED_HEADER = 'cdn-origin-assist-prefetch-enabled';

/**
 * Response header naming an object Akamai should fetch ahead into its
 * cache: a path relative to the requested object, or absolute from `/`.
 * The origin sends it (for the next media segment) only when the request
 * carried {@link PREFETCH_ENABLED_HEADER}`: 1`. Same source.
 */
export const PREFETCH_PATH_HEADER = 'cdn-origin-assist-prefetch-path';
