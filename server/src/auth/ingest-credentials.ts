import { createHash, randomBytes } from 'node:crypto';

/** A credential {@link IngestCredentials.issue} made: the token, and how to end it. */
export interface IngestCredential {
  /** 32 random bytes, base64url (43 characters of the token68 set: safe in a header). */
  readonly token: string;
  /** Ends the credential: uploads presenting it are refused from now on. Idempotent. */
  revoke(): void;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The credentials of the origin's own transcoders. Each session gets its
 * own random token ({@link IngestCredentials.issue}), valid only for its
 * stream's ingest paths and only until the session ends: a token seen by
 * another local user (it is never in a command line, see
 * `FfmpegInvocation.fdTexts`, but a core dump or a debugger could show it)
 * cannot publish another stream, create one, or outlive its session.
 *
 * Tokens are looked up by their SHA-256, so neither the content nor a prefix
 * of a stored token shows in the lookup's timing.
 */
export class IngestCredentials {
  #streams = new Map<string, string>();

  /** A new credential for `stream`'s ingest paths (`/ingest/{stream}/...`). */
  issue(stream: string): IngestCredential {
    const token = randomBytes(32).toString('base64url');
    const key = digest(token);
    this.#streams.set(key, stream);
    return { token, revoke: () => this.#streams.delete(key) };
  }

  /** Whether `presented` is a live credential for `stream`. */
  accepts(stream: string, presented: string): boolean {
    return this.#streams.get(digest(presented)) === stream;
  }

  /** Credentials not revoked yet (for tests and health). */
  get size(): number {
    return this.#streams.size;
  }
}
