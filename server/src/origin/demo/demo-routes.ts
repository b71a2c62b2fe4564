import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { NO_STORE, REVALIDATE } from '../cache-control.js';
import { BUNDLE_MISSING_MESSAGE, renderDemoPage } from './demo-page.js';

/** Options of {@link demoRoutes}. */
export interface DemoRoutesOptions {
  /**
   * Path of the `<ll-player>` standalone bundle, or undefined to resolve
   * `@llstream/vanilla/ll-player.js` (vanilla/dist/ll-player.js) per request,
   * so a build made while the origin runs is picked up.
   */
  playerBundle?: string | undefined;
}

/**
 * Where the `<ll-player>` bundle is, if it has been built: `@llstream/vanilla`'s
 * `./ll-player.js` export (resolution fails while the file does not exist).
 */
export function resolvePlayerBundle(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@llstream/vanilla/ll-player.js');
  } catch {
    return undefined;
  }
}

/**
 * `GET /` (the demo page), `GET /assets/ll-player.js` (the ES module) and
 * `GET /assets/ll-player.iife.js` (the classic script), each with its source
 * map, served from the vanilla package's build.
 */
export async function demoRoutes(app: FastifyInstance, options: DemoRoutesOptions): Promise<void> {
  const bundlePath = (): string | undefined => {
    const path = options.playerBundle ?? resolvePlayerBundle();
    return path !== undefined && existsSync(path) ? path : undefined;
  };

  app.get('/', async (_request, reply) =>
    reply
      .header('cache-control', REVALIDATE)
      .type('text/html; charset=utf-8')
      .send(renderDemoPage({ bundleAvailable: bundlePath() !== undefined })),
  );

  // [URL, the file next to ll-player.js, content type]
  for (const [url, file, type] of [
    ['/assets/ll-player.js', 'll-player.js', 'text/javascript; charset=utf-8'],
    ['/assets/ll-player.js.map', 'll-player.js.map', 'application/json; charset=utf-8'],
    ['/assets/ll-player.iife.js', 'll-player.iife.js', 'text/javascript; charset=utf-8'],
    ['/assets/ll-player.iife.js.map', 'll-player.iife.js.map', 'application/json; charset=utf-8'],
  ] as const) {
    app.get(url, async (_request, reply) => {
      const base = bundlePath();
      const path = base === undefined ? undefined : join(dirname(base), file);
      if (path === undefined || !existsSync(path)) {
        return reply
          .code(404)
          .header('cache-control', NO_STORE)
          .type('text/plain; charset=utf-8')
          .send(base === undefined ? BUNDLE_MISSING_MESSAGE : `${url} not found next to the bundle`);
      }
      return reply.header('cache-control', REVALIDATE).type(type).send(createReadStream(path));
    });
  }
}
