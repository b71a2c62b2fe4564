import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkPullFields, pullSourceFields } from '../config/config-schema.js';
import { InvalidStreamError, StreamExistsError, StreamLimitError, type StreamManager } from '../ingest/stream-manager.js';
import { NO_STORE } from './cache-control.js';
import { STREAM_NAME_PATTERN } from './names.js';
import { checkOperator, refuseOperator, type OperatorAccess } from './operator-access.js';

/** Options of {@link apiRoutes}. */
export interface ApiRoutesOptions {
  streams: StreamManager;
  /**
   * Who may use the API: with a token, requests presenting it
   * (`Authorization: Bearer TOKEN`: 401 without one, 403 with another, 429
   * after too many wrong ones); without one, requests from this host that
   * came through no proxy (403 for the rest).
   * @defaultValue no token: this host only
   */
  access?: OperatorAccess | undefined;
  /**
   * A request body must have arrived within this long, ms, however it
   * trickles (408 and the connection closed after that).
   * @defaultValue 10 000 ms
   */
  bodyTimeout?: number | undefined;
}

/** Largest API request body, bytes: a stream declaration or a key list is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/** Body of `POST /api/streams`: a pulled stream, with the typed options of the config file's pull source. */
const createStreamBody = z
  .strictObject({
    name: z.string({ error: 'expected a stream name' }).regex(STREAM_NAME_PATTERN, { error: 'expected 1 to 64 characters of A-Z a-z 0-9 _ -' }),
    key: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty key' }).optional(),
    ...pullSourceFields,
  })
  .superRefine(({ name: _name, key: _key, ...source }, context) => checkPullFields(source, context));

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
 * - `POST /api/streams` with `{ name, url, key?, loop?, nativeRate?, start?,
 *   format?, rtspTransport? }` (the config file's pull source: typed options,
 *   no ffmpeg syntax): adds a pulled stream and starts it; 201 with its
 *   summary, 400 with `issues` (field path and message each) for a bad body
 *   (a scheme that is not accepted, an option that does not fit the input),
 *   409 if the name exists, 422 if the source cannot be used (the same
 *   answer for a file that is missing, unreadable or outside
 *   `pull.mediaDirectories`), 429 when `pull.maxStreams` streams are pulled;
 * - `PUT /api/streams/{name}/keys` with `{ keys, cutOff? }`: replaces the
 *   stream's publish keys (plain or `$scrypt$` hashes; plain ones are hashed
 *   and not kept) without a restart, see `StreamManager.setKeys`; 200 with
 *   the summary, 400 for a bad body, 404, 422 for a key that cannot be used;
 * - `DELETE /api/streams/{name}`: stops and removes a stream; 204, or 404.
 *
 * Every request is checked before its body is read ({@link ApiRoutesOptions.access}),
 * bodies are at most 64 KiB and must arrive within `bodyTimeout`.
 */
export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const { streams } = options;
  const access = options.access ?? {};
  const bodyTimeout = options.bodyTimeout ?? 10_000;
  const bodyTimers = new WeakMap<FastifyRequest, NodeJS.Timeout>();

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', NO_STORE);
    // Before any byte of the body is read: an unauthorized caller cannot hold the connection with one.
    const check = checkOperator(request, access, 'the stream API');
    if (!check.ok) {
      request.log.warn({ ip: request.ip, url: request.url.slice(0, 200), status: check.statusCode }, 'stream API request refused');
      return refuseOperator(reply, check);
    }
    // However the body trickles, it must be complete in time (the connection timeout only sees silence).
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      reply.hijack();
      const body = JSON.stringify({ statusCode: 408, error: 'Request Timeout', message: `the request body did not arrive within ${bodyTimeout / 1000} s` });
      reply.raw.writeHead(408, { 'content-type': 'application/json; charset=utf-8', 'cache-control': NO_STORE, connection: 'close', 'content-length': Buffer.byteLength(body) });
      reply.raw.end(body, () => request.raw.socket.destroy());
      request.log.warn({ ip: request.ip, url: request.url.slice(0, 200) }, 'stream API request body too slow; refused');
    }, bodyTimeout);
    bodyTimers.set(request, timer);
  });
  app.addHook('preValidation', async (request) => clearTimeout(bodyTimers.get(request)));
  app.addHook('onResponse', async (request) => clearTimeout(bodyTimers.get(request)));

  app.get('/api/streams', async () => ({ streams: streams.list() }));

  app.get<{ Params: { name: string } }>('/api/streams/:name', async (request, reply) => {
    const stream = streams.get(request.params.name);
    if (stream === undefined) return sendError(reply, 404, 'Not Found', `no stream ${request.params.name}`);
    return stream;
  });

  app.post('/api/streams', { bodyLimit: MAX_BODY_BYTES }, async (request, reply) => {
    const parsed = createStreamBody.safeParse(request.body ?? undefined);
    if (!parsed.success) {
      const issues = fieldIssues(parsed.error);
      return sendError(reply, 400, 'Bad Request', issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; '), issues);
    }
    const { name, key, inputArgs: _removed, ...source } = parsed.data;
    try {
      const stream = await streams.add({ name, key, source: { type: 'pull', ...source } });
      request.log.info({ stream: name, url: stream.source.url }, 'stream added through the API');
      return reply.code(201).header('location', `/api/streams/${name}`).send(stream);
    } catch (error) {
      if (error instanceof StreamExistsError) return sendError(reply, 409, 'Conflict', error.message);
      if (error instanceof StreamLimitError) return sendError(reply, 429, 'Too Many Requests', error.message);
      if (error instanceof InvalidStreamError) {
        request.log.warn({ stream: name, reason: error.message }, 'stream refused');
        return sendError(reply, 422, 'Unprocessable Entity', error.message);
      }
      throw error;
    }
  });

  app.put<{ Params: { name: string } }>('/api/streams/:name/keys', { bodyLimit: MAX_BODY_BYTES }, async (request, reply) => {
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
