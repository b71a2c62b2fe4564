import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Node-side settings shared by the four Storybooks' `main.ts` files (React,
 * Angular, web components and the host).
 */

/** The origin used when `LLSTREAM_ORIGIN` is not set: where `npm start` and `npm run storybook` serve it. */
export const DEFAULT_ORIGIN = 'http://127.0.0.1:8080';

/** `LLSTREAM_ORIGIN` without a trailing slash, or {@link DEFAULT_ORIGIN}. */
export function llstreamOrigin(): string {
  const origin = process.env['LLSTREAM_ORIGIN'] || DEFAULT_ORIGIN;
  if (!/^https?:\/\/[^/?#]+\/?$/.test(origin)) throw new Error(`LLSTREAM_ORIGIN must be an http(s) URL with no path, got ${origin}`);
  return origin.replace(/\/$/, '');
}

const require = createRequire(import.meta.url);

/**
 * Storybook's `previewHead` for every framework Storybook: puts the origin
 * (read from `LLSTREAM_ORIGIN` now, at build or dev-server start) on the
 * preview page for `shared/origin.ts`, and uPlot's stylesheet for the live
 * panel, the same way whichever bundler the framework uses.
 */
export function llstreamPreviewHead(head: string | undefined): string {
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return `${head ?? ''}
<script>window.LLSTREAM_ORIGIN = ${JSON.stringify(llstreamOrigin())};</script>
<style>${css}</style>`;
}

/**
 * Dev-server ports of the framework Storybooks, which the host composes
 * (`refs`). The host itself runs on 6006.
 */
export const DEV_PORTS = { host: 6006, react: 6007, angular: 6008, 'web-components': 6009 } as const;

/** The composed Storybooks, as the host's sidebar names them. */
export const FRAMEWORKS = [
  { id: 'react', title: 'React (@llstream/react)' },
  { id: 'angular', title: 'Angular (@llstream/angular)' },
  { id: 'web-components', title: 'Web components (<ll-player>, @llstream/vanilla)' },
] as const;
