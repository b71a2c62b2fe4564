import { describe, expect, it } from 'vitest';
import { requestBaseUrl } from '../src/index.js';

describe('requestBaseUrl', () => {
  it('uses Host and the connection scheme', () => {
    expect(requestBaseUrl({ host: 'origin.local:8080' }, false, 'fallback:1')).toBe('http://origin.local:8080');
    expect(requestBaseUrl({ host: 'origin.local' }, true, 'fallback:1')).toBe('https://origin.local');
  });

  it('prefers the first X-Forwarded-Proto and X-Forwarded-Host of a proxy chain', () => {
    expect(
      requestBaseUrl({ host: 'origin:8080', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'live.example.com, edge-7' }, false, 'f'),
    ).toBe('https://live.example.com');
    expect(requestBaseUrl({ host: '[::1]:8080' }, false, 'f')).toBe('http://[::1]:8080');
  });

  it('ignores values that are not a scheme or host name, so they cannot inject into the manifest', () => {
    expect(
      requestBaseUrl({ host: 'origin:8080', 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil"/><x a="' }, false, 'f'),
    ).toBe('http://origin:8080');
    expect(requestBaseUrl({}, false, '127.0.0.1:9')).toBe('http://127.0.0.1:9');
  });
});
