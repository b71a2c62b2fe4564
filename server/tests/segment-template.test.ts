import { describe, expect, it } from 'vitest';
import { compileMediaTemplate, expandTemplate } from '../src/index.js';

describe('compileMediaTemplate', () => {
  it('reads $Number$ back from names of its own representation only', () => {
    const pattern = compileMediaTemplate('seg-abc-$RepresentationID$-$Number%05d$.m4s', { representationId: '0' });
    expect(pattern?.match('seg-abc-0-00042.m4s')).toBe(42);
    expect(pattern?.match('seg-abc-0-123456.m4s')).toBe(123456);
    expect(pattern?.match('seg-abc-1-00042.m4s')).toBeUndefined();
    expect(pattern?.match('seg-abc-0-042.m4s')).toBeUndefined();
    expect(pattern?.match('seg-xyz-0-00042.m4s')).toBeUndefined();
    expect(pattern?.match('init-abc-0.m4s')).toBeUndefined();
  });

  it('treats template text literally, including regular-expression characters', () => {
    const pattern = compileMediaTemplate('a.b+$RepresentationID$_$Number$.m4s', { representationId: 'v(1)' });
    expect(pattern?.match('a.b+v(1)_7.m4s')).toBe(7);
    expect(pattern?.match('aXb+v(1)_7.m4s')).toBeUndefined();
  });

  it('substitutes $Bandwidth$ and $$', () => {
    const pattern = compileMediaTemplate('$Bandwidth$$$-$Number$.m4s', { representationId: 'v', bandwidth: 2500000 });
    expect(pattern?.match('2500000$-3.m4s')).toBe(3);
  });

  it('names segment N back from its number, growing past the format width', () => {
    const pattern = compileMediaTemplate('seg-abc-$RepresentationID$-$Number%05d$.m4s', { representationId: '0' });
    expect(pattern?.nameOf(42)).toBe('seg-abc-0-00042.m4s');
    expect(pattern?.nameOf(123456)).toBe('seg-abc-0-123456.m4s');
    expect(pattern?.match(pattern.nameOf(43)!)).toBe(43);
    // $Bandwidth$ with no bandwidth matches any digits, so no single name.
    expect(compileMediaTemplate('$Bandwidth$-$Number$.m4s', { representationId: 'v' })?.nameOf(1)).toBeUndefined();
  });

  it('keeps the startNumber and has no pattern for $Time$ addressing', () => {
    expect(compileMediaTemplate('s-$Number$.m4s', { representationId: 'v', startNumber: 10 })?.startNumber).toBe(10);
    expect(compileMediaTemplate('s-$Time$.m4s', { representationId: 'v' })).toBeUndefined();
  });
});

describe('expandTemplate', () => {
  it('fills in an initialization template', () => {
    expect(expandTemplate('init-abc-$RepresentationID$.m4s', { representationId: '1' })).toBe('init-abc-1.m4s');
    expect(expandTemplate('s-$Number%03d$.m4s', { representationId: 'v', number: 7 })).toBe('s-007.m4s');
  });

  it('gives up on identifiers it has no value for', () => {
    expect(expandTemplate('s-$Time$.m4s', { representationId: 'v' })).toBeUndefined();
    expect(expandTemplate('s-$Number$.m4s', { representationId: 'v' })).toBeUndefined();
  });
});
