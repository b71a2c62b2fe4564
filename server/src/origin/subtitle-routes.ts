import type { FastifyInstance, FastifyReply } from 'fastify';
import { LANGUAGE_PATTERN, SUBTITLE_TRACK_ID_PATTERN, type SubtitlePackager } from '../packaging/subtitles/subtitle-packager.js';
import { NO_STORE } from './cache-control.js';
import { authorizeIngest, type IngestAuth } from './ingest-auth.js';
import { checkStreamName } from './names.js';

/** Options of {@link subtitleRoutes}. */
export interface SubtitleRoutesOptions {
  packager: SubtitlePackager;
  /** Publish keys and the limit on wrong ones, checked like the other ingest routes'. @defaultValue no key check */
  auth?: IngestAuth | undefined;
}

interface SubtitleParams {
  stream: string;
  file: string;
}

interface SubtitleQuery {
  language?: string;
  label?: string;
}

function sendError(reply: FastifyReply, statusCode: number, error: string, message: string): FastifyReply {
  // The body was not read: it must not be taken for the next request.
  return reply.code(statusCode).header('cache-control', NO_STORE).header('connection', 'close').send({ statusCode, error, message });
}

/**
 * The subtitle ingest route, as a Fastify plugin: `PUT`/`POST
 * /ingest/{stream}/subtitles/{track}.vtt?language=eng&label=English`, one
 * long chunked upload of a live WebVTT document per input subtitle track
 * and publisher run (ffmpeg's `webvtt` muxer with `-method PUT`, see
 * `subtitleOutputs`). Each piece goes to the {@link SubtitlePackager} as it
 * arrives; 204 when the upload ends. Bad names or languages get 400, a
 * missing or wrong key 401/403 (429 after too many wrong ones), before
 * anything is stored.
 */
export async function subtitleRoutes(app: FastifyInstance, options: SubtitleRoutesOptions): Promise<void> {
  const { packager, auth } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.route<{ Params: SubtitleParams; Querystring: SubtitleQuery }>({
    method: ['PUT', 'POST'],
    url: '/ingest/:stream/subtitles/:file',
    handler: async (request, reply) => {
      const { stream, file } = request.params;
      const streamProblem = checkStreamName(stream);
      if (streamProblem !== undefined) return sendError(reply, 400, 'Bad Request', streamProblem.problem);
      const track = /^(.*)\.vtt$/.exec(file)?.[1];
      if (track === undefined || !SUBTITLE_TRACK_ID_PATTERN.test(track)) {
        return sendError(reply, 400, 'Bad Request', `subtitle file name ${JSON.stringify(file.slice(0, 80))} must be 1 to 32 characters of A-Z a-z 0-9 _ - followed by .vtt`);
      }
      const language = request.query.language ?? 'und';
      if (typeof language !== 'string' || !LANGUAGE_PATTERN.test(language)) {
        return sendError(reply, 400, 'Bad Request', `language ${JSON.stringify(language)} must be a language tag like en, eng or pt-BR`);
      }
      const label = request.query.label;
      if (label !== undefined && (typeof label !== 'string' || label.length > 200 || /[\u0000-\u001f]/.test(label))) {
        return sendError(reply, 400, 'Bad Request', 'label must be at most 200 characters without control characters');
      }
      if (auth !== undefined && !(await authorizeIngest(request, reply, auth, stream, file))) return reply;

      let upload;
      try {
        upload = packager.openUpload(stream, { id: track, language, label });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        return sendError(reply, 400, 'Bad Request', error.message);
      }
      // A live WebVTT upload is quiet between cues, for minutes at times:
      // the origin's idle connection timeout does not apply to it.
      const socket = request.raw.socket;
      const idleTimeout = socket.timeout;
      socket.setTimeout(0);
      try {
        for await (const piece of request.raw as AsyncIterable<Buffer>) upload.write(piece);
        if (idleTimeout !== undefined) socket.setTimeout(idleTimeout);
      } catch (error) {
        request.log.warn({ err: error, stream, file }, 'subtitle upload broke off');
        upload.end();
        reply.hijack();
        reply.raw.destroy();
        return reply;
      }
      upload.end();
      return reply.code(204).send();
    },
  });
}
