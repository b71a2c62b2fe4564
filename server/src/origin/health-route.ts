import type { FastifyInstance } from 'fastify';
import type { LiveStreamStats } from '../store/live-stream.js';
import type { FfmpegStatus } from '../transcode/ffmpeg-supervisor.js';
import { NO_STORE } from './cache-control.js';

/** Body of `GET /healthz`. */
export interface HealthReport {
  status: 'ok';
  /** Seconds since the origin was created. */
  uptime: number;
  /** Process memory in bytes: resident set and V8 heap in use. */
  memory: { rss: number; heapUsed: number };
  streams: LiveStreamStats[];
  /** The built-in test source's ffmpeg, or null when it is disabled. */
  testSource: FfmpegStatus | null;
}

/** Options of {@link healthRoute}. */
export interface HealthRouteOptions {
  report(): HealthReport;
}

/** `GET /healthz`: JSON {@link HealthReport}, never cached. */
export async function healthRoute(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', NO_STORE).send(options.report()));
}
