import { describe, expect, it } from 'vitest';
import { checkFileName, checkStreamName } from '../src/index.js';

describe('checkStreamName', () => {
  it('accepts 1 to 64 characters of [A-Za-z0-9_-] and nothing else', () => {
    for (const good of ['demo', 'A-z_0', 'x'.repeat(64)]) expect(checkStreamName(good)).toBeUndefined();
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a.b', '..', 'a/b', 'ü']) expect(checkStreamName(bad)?.problem).toMatch(/stream name/);
  });
});

describe('checkFileName', () => {
  it('tells manifests from segments', () => {
    expect(checkFileName('manifest.mpd')).toBe('manifest');
    expect(checkFileName('seg-mwsqpgy8-0-00001.m4s')).toBe('segment');
    expect(checkFileName('init-mwsqpgy8-1.mp4')).toBe('segment');
  });

  it('names the problem of a bad file name', () => {
    expect(checkFileName('../x.m4s')).toEqual({ problem: 'file name "../x.m4s" must not contain ".."' });
    expect(checkFileName('a/b.m4s')).toEqual({ problem: 'file name "a/b.m4s" must not contain a path separator' });
    for (const bad of ['x.ts', '.m4s', 'a.b.m4s', 'x.M4S', 'x.m4s ', `${'x'.repeat(129)}.m4s`]) {
      expect(checkFileName(bad)).toHaveProperty('problem', expect.stringMatching(/must be 1 to 128 characters/));
    }
  });
});
