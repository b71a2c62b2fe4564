import { createReadStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bench pages and the three players' script bundles, served from loopback. */
export interface PageServer {
  /** Base URL, e.g. `http://127.0.0.1:40125`. */
  readonly url: string;
  close(): Promise<void>;
}

const pagesDir = fileURLToPath(new URL('./pages/', import.meta.url));

/**
 * Where each `/lib/…` file comes from. dash.js is the copy the project's core
 * uses (hoisted from core's dependencies), so the peer page runs the same
 * dash.js version as `<ll-player>` wraps.
 */
function libraries(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const llPlayer = require.resolve('@llstream/vanilla/ll-player.js');
  return {
    '/lib/ll-player.js': llPlayer,
    '/lib/ll-player.js.map': `${llPlayer}.map`,
    // The "require" condition of dashjs's exports is the modern UMD bundle.
    '/lib/dash.all.min.js': require.resolve('dashjs'),
    '/lib/shaka-player.compiled.js': require.resolve('shaka-player'),
  };
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Starts a static HTTP server on a free loopback port for `pages/` (at `/`)
 * and the player bundles (at `/lib/`). Files are sent with `no-store` so
 * every page load fetches the same bytes.
 *
 * @throws Error when `@llstream/vanilla` has not been built (no `dist/ll-player.js`).
 */
export async function startPageServer(): Promise<PageServer> {
  const libs = libraries();
  for (const [url, path] of Object.entries(libs)) {
    if (!url.endsWith('.map') && !existsSync(path)) throw new Error(`${path} missing: run npm run build`);
  }
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = libs[path] ?? (/^\/[\w-]+\.(html|js)$/.test(path) ? join(pagesDir, path) : undefined);
    if (file === undefined || !existsSync(file)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`${path} not found`);
      return;
    }
    response.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
