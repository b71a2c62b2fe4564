import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestError, UTC_TIMING_SCHEME, parseDuration, prepareManifest } from '../src/index.js';

const schema = fileURLToPath(new URL('./fixtures/dash-schema/DASH-MPD.xsd', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/ffmpeg-live.mpd', import.meta.url));
const run = promisify(execFile);

function utcTimings(xml: string): Array<{ scheme: string | null; value: string | null; parent: string | undefined }> {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  return [...document.getElementsByTagName('UTCTiming')].map((timing) => ({
    scheme: timing.getAttribute('schemeIdUri'),
    value: timing.getAttribute('value'),
    parent: (timing.parentNode as { localName?: string } | null)?.localName,
  }));
}

describe('prepareManifest', () => {
  let ffmpegMpd: string;
  let workDir: string;
  beforeAll(async () => {
    ffmpegMpd = await readFile(fixture, 'utf8');
    workDir = await mkdtemp(join(tmpdir(), 'llstream-mpd-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it('points every UTCTiming, at MPD level and inside ProducerReferenceTime, at the given /time URL', () => {
    const served = prepareManifest(ffmpegMpd).render('https://cdn.example.com/time');
    const timings = utcTimings(served);
    expect(timings).toHaveLength(3);
    expect(timings.map((t) => t.parent).sort()).toEqual(['MPD', 'ProducerReferenceTime', 'ProducerReferenceTime']);
    for (const timing of timings) {
      expect(timing).toMatchObject({ scheme: UTC_TIMING_SCHEME, value: 'https://cdn.example.com/time' });
    }
    expect(served).not.toContain('127.0.0.1:8080');
  });

  it('renders per URL from one parse, escaping it for an attribute', () => {
    const prepared = prepareManifest(ffmpegMpd);
    expect(utcTimings(prepared.render('http://a:1/time'))[0]?.value).toBe('http://a:1/time');
    expect(utcTimings(prepared.render('http://b/time?x=1&y="2"'))[0]?.value).toBe('http://b/time?x=1&y="2"');
  });

  it('serves a document that still validates against the DASH MPD schema (xmllint)', async () => {
    const file = join(workDir, 'fixed.mpd');
    await writeFile(file, prepareManifest(ffmpegMpd).render('http://127.0.0.1:18080/time'));
    // Rejects (non-zero exit) with xmllint's complaint if it does not validate.
    const { stderr } = await run('xmllint', ['--noout', '--nonet', '--schema', schema, file]);
    expect(stderr).toContain('validates');
  });

  it('adds a top-level UTCTiming where the schema wants it when the publisher wrote none', async () => {
    const withoutTiming = ffmpegMpd.replace(/\s*<UTCTiming [^>]*\/>\s*<\/MPD>/, '\n</MPD>');
    expect(utcTimings(withoutTiming).filter((t) => t.parent === 'MPD')).toHaveLength(0);
    const served = prepareManifest(withoutTiming).render('http://o/time');
    expect(utcTimings(served).filter((t) => t.parent === 'MPD')).toEqual([
      { scheme: UTC_TIMING_SCHEME, value: 'http://o/time', parent: 'MPD' },
    ]);
    const file = join(workDir, 'added.mpd');
    await writeFile(file, served);
    await run('xmllint', ['--noout', '--nonet', '--schema', schema, file]);
  });

  it('reads segment duration, time shift buffer and templates', () => {
    const { info } = prepareManifest(ffmpegMpd);
    expect(info.type).toBe('dynamic');
    expect(info.segmentDuration).toBe(1);
    expect(info.timeShiftBufferDepth).toBe(5);
    expect(info.representations).toEqual([
      expect.objectContaining({ id: '0', media: 'seg-$RepresentationID$-$Number%05d$.m4s', initialization: 'init-$RepresentationID$.m4s', startNumber: 1, bandwidth: 2500000 }),
      expect.objectContaining({ id: '1', segmentDuration: 1 }),
    ]);
  });

  it('inherits SegmentTemplate attributes from the AdaptationSet', () => {
    const { info } = prepareManifest(`<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic"><Period>
      <AdaptationSet><SegmentTemplate timescale="90000" duration="180000" media="s-$Number$.m4s"/>
        <Representation id="a"><SegmentTemplate startNumber="5"/></Representation></AdaptationSet></Period></MPD>`);
    expect(info.segmentDuration).toBe(2);
    expect(info.representations[0]).toMatchObject({ id: 'a', media: 's-$Number$.m4s', startNumber: 5 });
  });

  it('rejects what is not an MPD', () => {
    expect(() => prepareManifest('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period>')).toThrow(ManifestError);
    expect(() => prepareManifest('<html/>')).toThrow(ManifestError);
    expect(() => prepareManifest('')).toThrow(ManifestError);
  });
});

describe('parseDuration', () => {
  it('reads the ISO 8601 durations MPD attributes use, in seconds', () => {
    expect(parseDuration('PT5.0S')).toBe(5);
    expect(parseDuration('PT1M30.5S')).toBe(90.5);
    expect(parseDuration('P1DT1H')).toBe(90_000);
    expect(parseDuration('PT0S')).toBe(0);
  });

  it('rejects anything else', () => {
    for (const bad of ['P', 'PT', '5', 'P1Y', 'PT-1S', '', null, undefined]) expect(parseDuration(bad)).toBeUndefined();
  });
});
