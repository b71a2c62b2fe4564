/**
 * The one origin every story plays from. Its value is `LLSTREAM_ORIGIN` at
 * build (or dev-server start) time, written into each Storybook's preview
 * page by `llstreamPreviewHead()` (see `storybook-config.ts`), so the React,
 * Angular and web-component Storybooks always agree.
 */
declare global {
  // eslint-disable-next-line no-var
  var LLSTREAM_ORIGIN: string | undefined;
}

function readOrigin(): string {
  const origin = globalThis.LLSTREAM_ORIGIN;
  if (!origin) throw new Error('LLSTREAM_ORIGIN is not set on the preview page: the Storybook main config must use llstreamPreviewHead().');
  return origin;
}

/** Base URL of the origin, e.g. `http://127.0.0.1:8080` (no trailing slash). */
export const ORIGIN = readOrigin();

/** The origin's built-in test stream (`npm start` publishes it): a 4-rung ladder, one audio track, one subtitle track. */
export const DEMO_SRC = `${ORIGIN}/live/demo/manifest.mpd`;

/** A stream the origin does not have: the player ends in its error or offline state. */
export const MISSING_SRC = `${ORIGIN}/live/no-such-stream/manifest.mpd`;

/**
 * An origin nobody listens on (port 9, "discard", refused on loopback): the
 * manifest request fails at once with a connection error.
 */
export const UNREACHABLE_SRC = 'http://127.0.0.1:9/live/demo/manifest.mpd';
