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

describe('prepareManifest with a ladder (ServiceDescription, empty adaptation sets)', () => {
  /** A live MPD captured from buildTranscodeArgs' ffmpeg: 360p + 240p, eng stereo + deu 5.1. */
  const ladderFixture = fileURLToPath(new URL('./fixtures/ffmpeg-ladder-live.mpd', import.meta.url));
  const latency = { target: 1.2, min: 0.6, max: 2.5, minPlaybackRate: 0.92, maxPlaybackRate: 1.1 };
  let ladderMpd: string;
  let workDir: string;
  beforeAll(async () => {
    ladderMpd = await readFile(ladderFixture, 'utf8');
    workDir = await mkdtemp(join(tmpdir(), 'llstream-mpd-ladder-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
  const attributes = (element: { attributes: ArrayLike<{ name: string; value: string }> }) =>
    Object.fromEntries(Array.from(element.attributes, (a) => [a.name, a.value]));
  async function validate(xml: string, name: string): Promise<void> {
    const file = join(workDir, name);
    await writeFile(file, xml);
    // Rejects (non-zero exit) with xmllint's complaint if it does not validate.
    await run('xmllint', ['--noout', '--nonet', '--schema', schema, file]);
  }

  it('writes latency target/min/max (ms) and playback-rate bounds over what ffmpeg wrote, keeping its referenceId', async () => {
    const served = prepareManifest(ladderMpd, { latency }).render('http://o/time');
    const document = parse(served);
    const descriptions = [...document.getElementsByTagName('ServiceDescription')];
    expect(descriptions).toHaveLength(1);
    expect([...descriptions[0]!.getElementsByTagName('Latency')].map(attributes)).toEqual([
      { target: '1200', min: '600', max: '2500', referenceId: '2' },
    ]);
    expect([...descriptions[0]!.getElementsByTagName('PlaybackRate')].map(attributes)).toEqual([{ min: '0.92', max: '1.1' }]);
    await validate(served, 'ladder.mpd');
  });

  it('adds a ServiceDescription where the schema puts it when the publisher wrote none', async () => {
    const without = ladderMpd.replace(/\s*<ServiceDescription[\s\S]*?<\/ServiceDescription>/, '');
    expect(without).not.toContain('ServiceDescription');
    const served = prepareManifest(without, { latency }).render('http://o/time');
    const mpd = parse(served).documentElement!;
    const children = [...mpd.childNodes].filter((n) => n.nodeType === n.ELEMENT_NODE).map((n) => (n as { localName: string }).localName);
    expect(children).toEqual(['ProgramInformation', 'ServiceDescription', 'Period', 'UTCTiming']);
    expect(served).toContain('<ServiceDescription id="0"><Latency target="1200" min="600" max="2500"/><PlaybackRate min="0.92" max="1.1"/></ServiceDescription>');
    await validate(served, 'added-sd.mpd');
  });

  it("serves the publisher's ServiceDescription as it is without latency options", () => {
    expect(prepareManifest(ladderMpd).render('http://o/time')).toContain('<Latency target="1000" referenceId="2"/>');
  });

  it('removes adaptation sets without a representation and keeps the others', async () => {
    // What ffmpeg writes for `-adaptation_sets "id=0,streams=v id=1,streams=a"` on an input without audio.
    const withEmpty = ladderMpd.replace(
      '\t</Period>',
      '\t\t<AdaptationSet id="3" contentType="audio" startWithSAP="1" segmentAlignment="true" bitstreamSwitching="true">\n\t\t</AdaptationSet>\n\t</Period>',
    );
    const served = prepareManifest(withEmpty, { latency }).render('http://o/time');
    const sets = [...parse(served).getElementsByTagName('AdaptationSet')].map((set) => [set.getAttribute('id'), set.getAttribute('lang')]);
    expect(sets).toEqual([
      ['0', null],
      ['1', 'eng'],
      ['2', 'deu'],
    ]);
    expect(served).not.toMatch(/\n\s*\n\s*<\/Period>/);
    await validate(served, 'no-empty.mpd');
  });

  it('runs further fix-ups before removing empty sets', () => {
    const seen: string[] = [];
    const served = prepareManifest(ladderMpd, {
      fixups: [
        (mpd) => seen.push(mpd.localName ?? ''),
        (mpd) => {
          // Empties the German set: it must then go.
          const deu = [...mpd.getElementsByTagName('AdaptationSet')].find((set) => set.getAttribute('lang') === 'deu')!;
          for (const representation of [...deu.getElementsByTagName('Representation')]) deu.removeChild(representation);
        },
      ],
    }).render('http://o/time');
    expect(seen).toEqual(['MPD']);
    expect(served).not.toContain('lang="deu"');
    expect(served).toContain('lang="eng"');
  });
});
