import type { IncomingHttpHeaders } from 'node:http';

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',')[0]?.trim() || undefined;
}

/**
 * The origin's absolute base URL as the client reached it (no trailing
 * slash): `X-Forwarded-Proto`/`X-Forwarded-Host` (first value, as set by a
 * CDN or reverse proxy) over `Host`, over `fallbackHost`. Values that are not
 * a plain scheme or host name are ignored, so a header cannot inject markup
 * into a manifest.
 * @param encrypted whether the connection to the origin itself is TLS.
 * @param fallbackHost `host[:port]` to use when the request names none.
 */
export function requestBaseUrl(headers: IncomingHttpHeaders, encrypted: boolean, fallbackHost: string): string {
  const forwardedProto = first(headers['x-forwarded-proto'])?.toLowerCase();
  const protocol = forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : encrypted ? 'https' : 'http';
  const host = [first(headers['x-forwarded-host']), first(headers.host)].find((h) => h !== undefined && HOST.test(h));
  return `${protocol}://${host ?? fallbackHost}`;
}
