import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { DEFAULT_FONT_FILE, timecodeFilterGraph } from '@llstream/server';

/** An ffmpeg publishing to the origin the way an encoder (OBS, a hardware box) would. */
export interface Publisher {
  readonly child: ChildProcess;
  /** ffmpeg's stderr so far (errors only: it runs at `-loglevel error`). */
  readonly stderr: () => string;
  /** Resolves with ffmpeg's exit code once it has exited (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Stops it like a disconnecting encoder (SIGINT: ffmpeg closes the connection) and waits. */
  stop(): Promise<void>;
}

/**
 * A 1280x720 30 fps test pattern with a 1 kHz tone, stamped with the
 * capture-time strip (../shared/spec/timecode-strip.md) at the publisher, so
 * glass-to-glass latency is measurable through the origin's transcode.
 * Encoded `ultrafast` to leave the CPU to the origin's ladder.
 */
export function stampedPattern(options: PublishOptions = {}): string[] {
  const rate = options.clockRate ?? 1;
  // A clock running fast or slow: frames are captured (and stamped) in real time, their timestamps run at `rate`.
  const graph = rate === 1 ? timecodeFilterGraph(DEFAULT_FONT_FILE) : `${timecodeFilterGraph(DEFAULT_FONT_FILE)};[v]settb=1/90000,setpts=PTS*${rate}[vc];[1:a]asetpts=PTS*${rate}[ac]`;
  return [
    ...['-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
    ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000'],
    ...['-filter_complex', graph, ...(rate === 1 ? ['-map', '[v]', '-map', '1:a'] : ['-map', '[vc]', '-map', '[ac]', '-fps_mode', 'passthrough'])],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-b:v', '4000k'],
    ...['-c:a', 'aac', '-b:a', '128k'],
  ];
}

/** How a {@link publishRtmp} or {@link publishSrt} publisher stamps its stream. */
export interface PublishOptions {
  /** Added to every timestamp the publisher sends (`-output_ts_offset`), seconds: an encoder whose clock started long ago. @defaultValue 0 */
  timestampOffset?: number;
  /**
   * How fast the publisher's clock runs against real time: its timestamps advance `clockRate` s
   * per second while its frames come in real time (1.001: 0.1 % fast, 3.6 s an hour). @defaultValue 1
   */
  clockRate?: number;
  /**
   * MPEG-TS (SRT) only: each AAC frame in a PES packet of its own (`-pes_payload_size 0`), as
   * the README advises. ffmpeg's default gathers 2930 bytes of audio per PES (0.18 s at
   * 128 kb/s), which every viewer then waits for: SRT glass-to-glass p50 675 ms with it, 587 ms
   * without (`npm run bench:ingest`, e2e/results/ingest/). @defaultValue false (ffmpeg's default)
   */
  audioPesPerFrame?: boolean;
}

function run(output: string[], options: PublishOptions = {}): Publisher {
  const offset = options.timestampOffset === undefined ? [] : ['-output_ts_offset', String(options.timestampOffset)];
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...stampedPattern(options), ...offset, ...output], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Publishes over RTMP (FLV) to `url`, e.g. `rtmp://127.0.0.1:1935/live/cam?key=secret`. */
export function publishRtmp(url: string, options?: PublishOptions): Publisher {
  return run(['-f', 'flv', url], options);
}

/** Publishes MPEG-TS over SRT (caller) to `url`, e.g. `srt://127.0.0.1:9000?passphrase=...&pbkeylen=16`. */
export function publishSrt(url: string, options?: PublishOptions): Publisher {
  const pes = options?.audioPesPerFrame === true ? ['-pes_payload_size', '0'] : [];
  return run(['-flush_packets', '1', '-max_interleave_delta', '0', ...pes, '-f', 'mpegts', url], options);
}
