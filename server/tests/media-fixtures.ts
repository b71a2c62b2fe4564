import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Small media files made with ffmpeg lavfi at test time (no binary media in the repository). */
export interface MediaFixtures {
  /**
   * 2 s of 640x360 30 fps H.264 (`testsrc2`), an English stereo AAC track
   * (440 Hz), a German 5.1 AAC track (660 Hz) and an English mov_text
   * subtitle track ("Hello" 0–1.5 s, "World" 1.5–2 s), in that stream order.
   */
  av: string;
  /** 1 s of stereo AAC, no video. */
  audioOnly: string;
}

/** Writes the {@link MediaFixtures} into `directory` (about 0.5 s of CPU). */
export async function makeMediaFixtures(directory: string): Promise<MediaFixtures> {
  const av = join(directory, 'av.mp4');
  const audioOnly = join(directory, 'audio-only.m4a');
  const srt = join(directory, 'subs.srt');
  await writeFile(srt, '1\n00:00:00,000 --> 00:00:01,500\nHello\n\n2\n00:00:01,500 --> 00:00:02,000\nWorld\n');
  await run('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000:duration=2'],
    ...['-i', srt],
    ...['-filter_complex', '[1:a]aformat=channel_layouts=stereo[eng];[2:a]aformat=channel_layouts=5.1[deu]'],
    ...['-map', '0:v', '-map', '[eng]', '-map', '[deu]', '-map', '3:s'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-c:s', 'mov_text'],
    ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=deu', '-metadata:s:s:0', 'language=eng'],
    av,
  ]);
  await run('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=1', '-ac', '2', '-c:a', 'aac'],
    audioOnly,
  ]);
  return { av, audioOnly };
}
