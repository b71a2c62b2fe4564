import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
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

/** Odd parity in bit 7, as CEA-608 bytes carry it. */
const parity = (byte: number): number => {
  let ones = 0;
  for (let bit = 0; bit < 7; bit += 1) ones += (byte >> bit) & 1;
  return ones % 2 === 0 ? byte | 0x80 : byte;
};

/**
 * An H.264 SEI NAL unit (Annex B) with ATSC A/53 user data carrying one
 * CEA-608 field-1 byte pair: payload type 4 (ITU-T T.35), country 0xB5,
 * provider 0x0031, `GA94`, cc_data with cc_count 1.
 */
/** A NAL unit's bytes with H.264 emulation prevention bytes inserted (00 00 0x → 00 00 03 0x for x ≤ 3, 7.4.1). */
export function withEmulationPrevention(nal: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

function a53Sei(pair: readonly [number, number]): Buffer {
  const payload = [0xb5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03, 0x40 | 1, 0xff, 0xfc, parity(pair[0]), parity(pair[1]), 0xff];
  return Buffer.concat([Buffer.from([0, 0, 0, 1]), withEmulationPrevention(Buffer.from([0x06, 0x04, payload.length, ...payload, 0x80]))]);
}

/**
 * Writes `{directory}/captioned.mp4`: 2 s of 320x240 30 fps H.264 whose
 * frames carry CEA-608 captions in A/53 SEI, the way broadcast encoders send
 * them: a pop-on caption "HI" (RCL, H I, EOC) in the first frames. ffmpeg
 * cannot author 608, so the SEI is inserted into x264's Annex B output
 * before each access unit's first slice.
 */
export async function makeCaptionedVideo(directory: string): Promise<string> {
  const plain = join(directory, 'plain.h264');
  const captioned = join(directory, 'captioned.h264');
  const output = join(directory, 'captioned.mp4');
  await run('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=2'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '30', '-x264-params', 'aud=1', '-f', 'h264', plain],
  ]);
  const input = await readFile(plain);
  const script: Array<[number, number]> = [[0x14, 0x20], [0x14, 0x20], [0x48, 0x49], [0x14, 0x2f], [0x14, 0x2f]];
  const starts: number[] = [];
  for (let i = 0; i + 3 < input.length; i += 1) {
    if (input[i] === 0 && input[i + 1] === 0 && input[i + 2] === 1) {
      starts.push(i > 0 && input[i - 1] === 0 ? i - 1 : i);
      i += 2;
    }
  }
  const parts: Buffer[] = [];
  let frame = 0;
  let seiWritten = false;
  starts.forEach((start, k) => {
    const nal = input.subarray(start, starts[k + 1] ?? input.length);
    const type = nal[nal[2] === 1 ? 3 : 4]! & 0x1f;
    // An access unit delimiter starts each frame; the SEI goes before its first slice.
    if (type === 9) seiWritten = false;
    if ((type === 1 || type === 5) && !seiWritten) {
      parts.push(a53Sei(script[frame] ?? [0, 0]));
      frame += 1;
      seiWritten = true;
    }
    parts.push(nal);
  });
  await writeFile(captioned, Buffer.concat(parts));
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', '-framerate', '30', '-i', captioned, '-c', 'copy', output]);
  return output;
}

/** The CEA-608 captions ffmpeg decodes from a file's video, as SubRip text. */
export async function readCaptions(file: string): Promise<string> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', `movie=${file}[out0+subcc]`, '-map', '0:s', '-f', 'srt', '-']);
  return stdout;
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
