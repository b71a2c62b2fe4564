import { describe, expect, it } from 'vitest';
import { subtitleOutputs, type InputProbe } from '../src/index.js';

const probe: Pick<InputProbe, 'subtitles'> = {
  subtitles: [
    { index: 2, codec: 'mov_text', language: 'eng', title: 'English SDH' },
    { index: 3, codec: 'hdmv_pgs_subtitle', language: 'fra', title: null },
    { index: 4, codec: 'ass', language: null, title: null },
  ],
};

describe('subtitleOutputs', () => {
  it('writes each text track as WebVTT to its own upload, flushing every cue; bitmap tracks are skipped', () => {
    expect(subtitleOutputs(probe, 'http://127.0.0.1:8080', 'demo')).toEqual([
      ['-map', '0:2', '-c:s', 'webvtt', '-flush_packets', '1', '-f', 'webvtt', '-method', 'PUT', 'http://127.0.0.1:8080/ingest/demo/subtitles/s2.vtt?language=eng&label=English+SDH'],
      ['-map', '0:4', '-c:s', 'webvtt', '-flush_packets', '1', '-f', 'webvtt', '-method', 'PUT', 'http://127.0.0.1:8080/ingest/demo/subtitles/s4.vtt?language=und'],
    ]);
  });

  it('copies a WebVTT track, keeping its cue identifiers and settings', () => {
    expect(subtitleOutputs({ subtitles: [{ index: 1, codec: 'webvtt', language: 'deu', title: null }] }, 'http://o', 'x')[0]?.slice(0, 4)).toEqual(['-map', '0:1', '-c:s', 'copy']);
  });

  it('has nothing to add for an input without text subtitles, and no credential of its own (buildTranscodeArgs adds it)', () => {
    expect(subtitleOutputs({ subtitles: [] }, 'http://o', 'demo')).toEqual([]);
    expect(subtitleOutputs({ subtitles: [probe.subtitles[2]!] }, 'http://o', 'x')[0]).not.toContain('-headers');
  });
});
