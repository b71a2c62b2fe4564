import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { keysMatch } from '../auth/stream-keys.js';
import { InvalidStreamError, StreamExistsError, type StreamManager } from '../ingest/stream-manager.js';
import { NO_STORE } from './cache-control.js';
import { STREAM_NAME_PATTERN } from './names.js';

/** Options of {@link apiRoutes}. */
export interface ApiRoutesOptions {
  streams: StreamManager;
  /**
   * Bearer token every `/api` request must present
   * (`Authorization: Bearer TOKEN`): 401 without one, 403 with another.
   * @defaultValue none: the API is open
   */
  token?: string | undefined;
}

/** Body of `POST /api/streams`: a pulled stream. */
const createStreamBody = z.strictObject({
  name: z.string({ error: 'expected a stream name' }).regex(STREAM_NAME_PATTERN, { error: 'expected 1 to 64 characters of A-Z a-z 0-9 _ -' }),
  url: z.string({ error: 'expected a URL or file path ffmpeg can read' }).trim().min(1, { error: 'expected a URL or file path ffmpeg can read' }),
  loop: z.boolean({ error: 'expected true or false' }).optional(),
  key: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty key' }).optional(),
  inputArgs: z.array(z.string(), { error: 'expected a list of ffmpeg input options' }).optional(),
});

/** Body of `PUT /api/streams/{name}/keys`: a key rotation. */
const setKeysBody = z.strictObject({
  keys: z.array(z.string().min(1, { error: 'expected a non-empty key' }), { error: 'expected a list of keys (plain or $scrypt$ hashes)' }),
  cutOff: z.boolean({ error: 'expected true or false' }).optional(),
});

/** One problem with a request body. */
interface FieldIssue {
  /** Field path, e.g. `loop` (empty for the body itself). */
  path: string;
  message: string;
}

function sendError(reply: FastifyReply, statusCode: number, error: string, message: string, issues?: FieldIssue[]): FastifyReply {
  return reply
    .code(statusCode)
    .header('cache-control', NO_STORE)
    .send({ statusCode, error, message, ...(issues === undefined ? {} : { issues }) });
}

function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: 'unknown field' }))
      : [{ path: issue.path.join('.'), message: issue.message }],
  );
}

/**
 * The streams API, as a Fastify plugin (JSON, `no-store`):
 *
 * - `GET /api/streams`: `{ streams: StreamSummary[] }`;
 * - `GET /api/streams/{name}`: one `StreamSummary`, or 404;
 * - `POST /api/streams` with `{ name, url, loop?, key?, inputArgs? }`: adds
 *   a pulled stream and starts it; 201 with its summary, 400 with `issues`
 *   (field path and message each) for a bad body, 409 if the name exists,
 *   422 if the source cannot be used (e.g. the file does not exist);
 * - `PUT /api/streams/{name}/keys` with `{ keys, cutOff? }`: replaces the
 *   stream's publish keys (plain or `$scrypt$` hashes; plain ones are hashed
 *   and not kept) without a restart, see `StreamManager.setKeys`; 200 with
 *   the summary, 400 for a bad body, 404, 422 for a key that cannot be used;
 * - `DELETE /api/streams/{name}`: stops and removes a stream; 204, or 404.
 *
 * With a `token`, every request needs `Authorization: Bearer TOKEN`.
 */
export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const { streams, token } = options;

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', NO_STORE);
    if (token === undefined) return;
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (presented === undefined) {
      reply.header('www-authenticate', 'Bearer realm="llstream api"');
      return sendError(reply, 401, 'Unauthorized', 'the API needs Authorization: Bearer TOKEN (api.token of the config)');
    }
    if (!keysMatch(presented, token)) return sendError(reply, 403, 'Forbidden', 'wrong API token');
  });

  app.get('/api/streams', async () => ({ streams: streams.list() }));

  app.get<{ Params: { name: string } }>('/api/streams/:name', async (request, reply) => {
    const stream = streams.get(request.params.name);
    if (stream === undefined) return sendError(reply, 404, 'Not Found', `no stream ${request.params.name}`);
    return stream;
  });

  app.post('/api/streams', async (request, reply) => {
    const parsed = createStreamBody.safeParse(request.body ?? undefined);
    if (!parsed.success) {
      const issues = fieldIssues(parsed.error);
      return sendError(reply, 400, 'Bad Request', issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; '), issues);
    }
    const { name, url, loop, key, inputArgs } = parsed.data;
    try {
      const stream = await streams.add({ name, key, source: { type: 'pull', url, loop, inputArgs } });
      request.log.info({ stream: name, url: stream.source.url }, 'stream added through the API');
      return reply.code(201).header('location', `/api/streams/${name}`).send(stream);
    } catch (error) {
      if (error instanceof StreamExistsError) return sendError(reply, 409, 'Conflict', error.message);
      if (error instanceof InvalidStreamError) {
        request.log.warn({ stream: name, reason: error.message }, 'stream refused');
        return sendError(reply, 422, 'Unprocessable Entity', error.message);
      }
      throw error;
    }
  });

  app.put<{ Params: { name: string } }>('/api/streams/:name/keys', async (request, reply) => {
    const parsed = setKeysBody.safeParse(request.body ?? undefined);
    if (!parsed.success) {
      const issues = fieldIssues(parsed.error);
      return sendError(reply, 400, 'Bad Request', issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; '), issues);
    }
    const { name } = request.params;
    try {
      if (!(await streams.setKeys(name, parsed.data.keys, { cutOff: parsed.data.cutOff ?? false }))) {
        return sendError(reply, 404, 'Not Found', `no stream ${name}`);
      }
    } catch (error) {
      if (!(error instanceof InvalidStreamError)) throw error;
      return sendError(reply, 422, 'Unprocessable Entity', error.message);
    }
    request.log.info({ stream: name, keys: parsed.data.keys.length, cutOff: parsed.data.cutOff ?? false }, 'stream keys replaced through the API');
    return streams.get(name);
  });

  app.delete<{ Params: { name: string } }>('/api/streams/:name', async (request, reply) => {
    if (!(await streams.remove(request.params.name))) return sendError(reply, 404, 'Not Found', `no stream ${request.params.name}`);
    return reply.code(204).send();
  });
}
