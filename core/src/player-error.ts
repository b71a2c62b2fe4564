/**
 * What kind of failure stopped playback.
 *
 * - `'manifest'`: the MPD could not be downloaded or parsed, or lists no playable stream.
 * - `'network'`: a segment the player cannot do without (e.g. an initialization
 *   segment) could not be downloaded after the engine's retries.
 * - `'media'`: the browser could not append or decode the media (MSE / `MediaError`).
 * - `'unsupported'`: this browser lacks Media Source Extensions or the stream's codecs.
 * - `'engine'`: the playback engine itself failed (e.g. dash.js could not be loaded).
 */
export type PlayerErrorCode = 'manifest' | 'network' | 'media' | 'unsupported' | 'engine';

/**
 * A failure that stopped playback. It is the payload of the `error` event and
 * the value of `snapshot.error`; `cause` holds the engine's original error
 * (for dash.js: its `{ code, message, data }` object, or the `MediaError`).
 */
export class PlayerError extends Error {
  /** The kind of failure. */
  readonly code: PlayerErrorCode;

  /**
   * @param code - the kind of failure.
   * @param message - a sentence for a person, naming what failed (URL, codec, engine code).
   * @param options - `cause`: the engine's original error.
   */
  constructor(code: PlayerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlayerError';
    this.code = code;
  }
}
