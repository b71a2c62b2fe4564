import { describe, expect, it } from 'vitest';
import { createOrigin, TestSourceUnavailableError } from '../src/index.js';

describe('createOrigin preflight', () => {
  it('refuses to start, binding nothing, when ffmpeg is missing, and names the package', async () => {
    const origin = createOrigin({ port: 0, logLevel: 'silent', testSource: { ffmpegPath: '/nonexistent/ffmpeg' } });
    await expect(origin.listen()).rejects.toThrow(TestSourceUnavailableError);
    await expect(origin.listen()).rejects.toThrow(/install the ffmpeg package/);
    expect(origin.url).toBeUndefined();
    await origin.close();
  });

  it('refuses to start when the font is missing, and names fonts-dejavu-core', async () => {
    const origin = createOrigin({ port: 0, logLevel: 'silent', testSource: { ffmpegPath: process.execPath, fontFile: '/nonexistent/DejaVuSansMono.ttf' } });
    await expect(origin.listen()).rejects.toThrow(/fonts-dejavu-core/);
    expect(origin.url).toBeUndefined();
    await origin.close();
  });
});
