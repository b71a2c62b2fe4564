import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LLPlayerElement } from '@llstream/vanilla';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useOriginAndBrowser } from '../src/fixture.js';
import { waitForStreamState, writeConfig } from '../src/config.js';
import { fetchValidManifest } from '../src/manifest.js';

const srtTime = (s: number): string => new Date(s * 1000).toISOString().slice(11, 23).replace('.', ',');

/**
 * A 30 s file as a broadcaster would hand over: 640x360 video, English stereo
 * and German stereo audio, and an English SubRip subtitle track (as mov_text)
 * with a cue every second.
 */
async function makeFile(dir: string): Promise<string> {
  const srt = Array.from({ length: 30 }, (_, i) => `${i + 1}\n${srtTime(i + 0.1)} --> ${srtTime(i + 0.9)}\nline ${i + 1}\n`).join('\n');
  await writeFile(join(dir, 'en.srt'), srt);
  const file = join(dir, 'film.mp4');
  await promisify(execFile)('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000:duration=30'],
    ...['-i', join(dir, 'en.srt')],
    ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-ac', '2', '-c:s', 'mov_text'],
    ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=deu', '-metadata:s:s:0', 'language=eng'],
    file,
  ]);
  return file;
}

const snapshotOf = (page: Page) => page.evaluate(() => ({ ...document.querySelector<LLPlayerElement>('ll-player')!.player!.getSnapshot() }));

// A pulled file with two audio languages and a subtitle track, played through
// the player core: both audio tracks are offered, and a subtitle cue shows.
describe('a file with two audio languages and subtitles', () => {
  let dir = '';
  const env = useOriginAndBrowser(async () => {
    dir = await mkdtemp(join(tmpdir(), 'llstream-film-'));
    const file = await makeFile(dir);
    const config = await writeConfig({
      rtmp: { enabled: false },
      testSource: { enabled: false },
      streams: [{ name: 'film', source: { type: 'pull', url: file, loop: true } }],
    });
    return { args: ['--config', config], waitForStream: null };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists and switches both audio tracks, and shows a subtitle cue in the video text tracks', async () => {
    await waitForStreamState(env.origin.url, 'film', 'live', 30_000);
    const manifest = await fetchValidManifest(`${env.origin.url}/live/film/manifest.mpd`);
    expect(manifest.match(/contentType="audio"/g)).toHaveLength(2);
    expect(manifest).toMatch(/contentType="text"/);

    const page = await env.browser.context.newPage();
    await page.goto(`${env.origin.url}/?src=/live/film/manifest.mpd`);
    await page.waitForFunction(() => document.querySelector<LLPlayerElement>('ll-player')?.player?.getSnapshot().status === 'playing', null, {
      timeout: 30_000,
    });

    const { audioTracks, audioTrack, textTracks } = await snapshotOf(page);
    // dash.js gives tracks canonical BCP 47 tags: eng -> en, deu -> de.
    expect(audioTracks.map((t) => t.language).sort()).toEqual(['de', 'en']);
    expect(audioTracks.every((t) => t.channels === 2)).toBe(true);
    const other = audioTracks.find((t) => t.id !== audioTrack)!;
    await page.evaluate((id) => document.querySelector<LLPlayerElement>('ll-player')!.player!.setAudioTrack(id), other.id);
    await expect.poll(async () => (await snapshotOf(page)).audioTrack, { timeout: 10_000 }).toBe(other.id);

    expect(textTracks.map((t) => t.language)).toContain('en');
    const english = textTracks.find((t) => t.language === 'en')!;
    await page.evaluate((id) => document.querySelector<LLPlayerElement>('ll-player')!.player!.setTextTrack(id), english.id);
    await expect.poll(async () => (await snapshotOf(page)).textTrack, { timeout: 10_000 }).toBe(english.id);
    const cue = await page.waitForFunction(
      () => {
        const video = document.querySelector<LLPlayerElement>('ll-player')!.video;
        for (const track of video.textTracks) {
          if (track.mode === 'showing' && track.activeCues && track.activeCues.length > 0) {
            return (track.activeCues[0] as VTTCue).text;
          }
        }
        return false;
      },
      null,
      { timeout: 15_000, polling: 100 },
    );
    expect(await cue.jsonValue()).toMatch(/^line \d+$/);
    await page.close();
  });
});
