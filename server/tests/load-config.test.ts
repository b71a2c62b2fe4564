import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LADDER, defaultConfig, loadConfig, parseConfig } from '../src/index.js';

const example = fileURLToPath(new URL('../llstream.example.yaml', import.meta.url));

/** The ConfigError `value` gives, as its lines. */
function problems(value: unknown): string[] {
  try {
    parseConfig(value, 'llstream.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llstream-config-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('gives every default without a file', async () => {
    const config = await loadConfig();
    expect(config).toEqual({
      server: { port: 8080, host: '0.0.0.0' },
      latency: { target: 1, min: 0.5, max: 3, minPlaybackRate: 0.9, maxPlaybackRate: 1.15 },
      transcode: {
        codec: 'h264',
        preset: 'veryfast',
        segmentDuration: 1,
        ladder: [
          { name: '720p', height: 720, bitrate: 2_500_000 },
          { name: '480p', height: 480, bitrate: 1_000_000 },
          { name: '360p', height: 360, bitrate: 600_000 },
          { name: '240p', height: 240, bitrate: 250_000 },
        ],
        audio: { codec: 'aac', bitrate: 128_000 },
      },
      rtmp: { enabled: true, port: 1935 },
      srt: { enabled: true },
      pull: { mediaDirectories: [], maxStreams: 16, maxConcurrentProbes: 2 },
      testSource: { enabled: true, stream: 'demo', private: false },
      playback: {},
      limits: {
        headersTimeout: 10,
        connectionTimeout: 60,
        uploadIdleTimeout: 10,
        maxUploadDuration: 60,
        maxSegmentBytes: 64 * 1024 * 1024,
        maxManifestBytes: 1024 * 1024,
        maxHeldRequestsPerClient: 64,
        maxUrlLength: 2048,
        requestBodyTimeout: 10,
        maxConnectionsPerClient: 256,
        maxKeyFailuresPerMinute: 10,
        maxStreamBytes: 256 * 1024 * 1024,
        maxStoreBytes: 2 * 1024 * 1024 * 1024,
        maxUnreferencedSegments: 32,
        maxUnreferencedBytes: 64 * 1024 * 1024,
        transcoderStallTimeout: 6,
        readerStallTimeout: 5,
      },
      ffmpeg: { path: 'ffmpeg', ffprobePath: 'ffprobe' },
      api: {},
      metrics: {},
      log: { level: 'info' },
      streams: [],
    });
    // Each load gets its own ladder: changing one config does not change the defaults.
    config.transcode.ladder.pop();
    expect(defaultConfig().transcode.ladder).toHaveLength(4);
    expect(DEFAULT_LADDER).toHaveLength(4);
  });

  it('reads YAML, fills what the file leaves out, and takes bitrates with k/M suffixes', async () => {
    const file = join(directory, 'origin.yaml');
    await writeFile(
      file,
      [
        'server: { port: 9000 }',
        'transcode:',
        '  ladder:',
        '    - { name: 1080p, height: 1080, bitrate: 4.5M }',
        '    - { name: 540p, height: 540, bitrate: 1200k }',
        'streams:',
        '  - name: studio',
        '    key: s3cret',
        '    source: { type: rtmp }',
        '  - name: film',
        '    source: { type: pull, url: /media/film.mkv, loop: true }',
        '    subtitles: [{ path: /media/film.vtt, language: de }]',
      ].join('\n'),
    );
    const config = await loadConfig(file);
    expect(config.server).toEqual({ port: 9000, host: '0.0.0.0' });
    expect(config.transcode.ladder).toEqual([
      { name: '1080p', height: 1080, bitrate: 4_500_000 },
      { name: '540p', height: 540, bitrate: 1_200_000 },
    ]);
    expect(config.transcode.preset).toBe('veryfast');
    expect(config.streams).toEqual([
      // A plain key is hashed at load: the parsed config never holds it.
      { name: 'studio', key: [expect.stringMatching(/^\$scrypt\$ln=14,r=8,p=1\$/)], source: { type: 'rtmp' } },
      { name: 'film', source: { type: 'pull', url: '/media/film.mkv', loop: true }, subtitles: [{ path: '/media/film.vtt', language: 'de' }] },
    ]);
  });

  it('reads JSON, and an empty YAML file is all defaults', async () => {
    const json = join(directory, 'origin.json');
    await writeFile(json, JSON.stringify({ transcode: { codec: 'av1' }, latency: { target: 2 } }));
    const config = await loadConfig(json);
    expect(config.transcode).toMatchObject({ codec: 'av1', preset: 12 });
    expect(config.latency.target).toBe(2);
    const empty = join(directory, 'empty.yml');
    await writeFile(empty, '# nothing yet\n');
    expect(await loadConfig(empty)).toEqual(defaultConfig());
  });

  it('the example file is valid and states the defaults', async () => {
    const config = await loadConfig(example);
    expect(config).toEqual(defaultConfig());
    // Every default is written out in the example (not just implied).
    const written = parseYaml(await readFile(example, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written).sort()).toEqual(Object.keys(defaultConfig()).sort());
  });

  it('names the file when it is missing, unreadable as YAML/JSON, or of another kind', async () => {
    const missing = join(directory, 'missing.yaml');
    await expect(loadConfig(missing)).rejects.toThrow(new ConfigError(missing, [{ path: '', message: 'file not found' }]));
    await expect(loadConfig(missing)).rejects.toThrow(`${missing}: file not found`);

    const broken = join(directory, 'broken.yaml');
    await writeFile(broken, 'server:\n  port: [8080\n');
    await expect(loadConfig(broken)).rejects.toThrow(new RegExp(`^${broken}: not valid YAML: `));

    const brokenJson = join(directory, 'broken.json');
    await writeFile(brokenJson, '{"server": ');
    await expect(loadConfig(brokenJson)).rejects.toThrow(new RegExp(`^${brokenJson}: not valid JSON: `));

    await expect(loadConfig(join(directory, 'origin.toml'))).rejects.toThrow(/origin\.toml: expected a \.yaml, \.yml or \.json file/);
  });

  it('names the file and the field path of a bad value', async () => {
    const file = join(directory, 'bad.yaml');
    await writeFile(file, 'transcode:\n  ladder:\n    - { name: 720p, height: 720, bitrate: 2500k }\n    - { name: 480p, height: 480, bitrate: -5 }\n');
    const error = (await loadConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`${file}: transcode.ladder[1].bitrate: expected bits/s (at least 10000); 2500 kb/s is 2500000 or 2500k`);
    expect(error.issues).toEqual([{ path: 'transcode.ladder[1].bitrate', message: expect.any(String) }]);
  });
});

describe('parseConfig', () => {
  it('refuses unknown fields, so a typo does not fall back to a default silently', () => {
    expect(problems({ transcode: { ladderr: [] }, sever: {} })).toEqual([
      'llstream.yaml: transcode.ladderr: unknown field',
      'llstream.yaml: sever: unknown field',
    ]);
  });

  it('lists every problem, one line each', () => {
    expect(
      problems({
        server: { port: 70000 },
        latency: { target: 0 },
        transcode: { segmentDuration: 'one', ladder: [{ name: '720p', height: 721, bitrate: 2500 }] },
        streams: [{ name: 'bad name', source: { type: 'ftp' } }],
      }),
    ).toEqual([
      'llstream.yaml: server.port: expected a port from 0 to 65535',
      'llstream.yaml: latency.target: expected a positive number of seconds',
      'llstream.yaml: transcode.segmentDuration: expected a number of seconds',
      'llstream.yaml: transcode.ladder[0].height: expected an even height (4:2:0 video)',
      'llstream.yaml: transcode.ladder[0].bitrate: expected bits/s (at least 10000); 2500 kb/s is 2500000 or 2500k',
      'llstream.yaml: streams[0].name: expected 1 to 64 characters of A-Z a-z 0-9 _ -',
      'llstream.yaml: streams[0].source.type: expected type rtmp, srt or pull',
    ]);
  });

  it('checks values against each other: latency bounds, unique names, presets per codec, ports', () => {
    expect(problems({ latency: { target: 2, min: 2.5, max: 1 } })).toEqual([
      'llstream.yaml: latency.min: expected at most target (2 s)',
      'llstream.yaml: latency.max: expected at least target (2 s)',
    ]);
    expect(
      problems({
        transcode: {
          ladder: [
            { name: 'a', height: 720, bitrate: '1M' },
            { name: 'a', height: 720, bitrate: '1M' },
          ],
        },
      }),
    ).toEqual(['llstream.yaml: transcode.ladder[1]: duplicate rendition name "a"', 'llstream.yaml: transcode.ladder[1]: duplicate rendition height 720']);
    expect(problems({ transcode: { codec: 'av1', preset: 'veryfast' } })).toEqual([
      'llstream.yaml: transcode.preset: expected an SVT-AV1 preset number from 0 to 13 for av1',
    ]);
    expect(problems({ transcode: { preset: 8 } })[0]).toMatch(/^llstream\.yaml: transcode\.preset: expected an x264 preset name for h264/);
    expect(
      problems({
        streams: [
          { name: 'a', source: { type: 'srt', port: 1935 } },
          { name: 'b', source: { type: 'srt', port: 9000 } },
          { name: 'a', source: { type: 'srt', port: 9000 } },
        ],
      }),
    ).toEqual([
      'llstream.yaml: streams[2]: duplicate stream name "a"',
      'llstream.yaml: streams[0].source.port: port 1935 is already used by the HTTP or RTMP server',
      'llstream.yaml: streams[2].source.port: port 9000 is already used by stream "b"',
    ]);
  });

  it('hashes plain stream keys, keeps given hashes, and keeps an SRT key plain (it is the passphrase)', () => {
    const hashed = '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const config = parseConfig({
      streams: [
        { name: 'a', key: ['old-key-123', hashed], source: { type: 'rtmp' } },
        { name: 'b', key: 'srt-passphrase-1', source: { type: 'srt', port: 9000 } },
      ],
    });
    expect(config.streams[0]!.key).toEqual([expect.stringMatching(/^\$scrypt\$ln=14,/), hashed]);
    expect(JSON.stringify(config)).not.toContain('old-key-123');
    expect(config.streams[1]!.key).toBe('srt-passphrase-1');
  });

  it('refuses a malformed key hash, an empty key list, and a hash or a list for an SRT stream', () => {
    const problems = (streams: unknown[]) => {
      try {
        parseConfig({ streams });
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
      }
    };
    expect(problems([{ name: 'a', key: '$scrypt$ln=14$x', source: { type: 'rtmp' } }])).toEqual([
      'streams[0].key: key 1: expected a key hash like $scrypt$ln=14,r=8,p=1$SALT$HASH (made by `llstream-server hash-key`)',
    ]);
    expect(problems([{ name: 'a', key: [], source: { type: 'rtmp' } }])).toEqual(['streams[0].key: expected at least one key']);
    expect(problems([{ name: 'b', key: ['srt-passphrase-1'], source: { type: 'srt', port: 9000 } }])).toEqual([
      'streams[0].key: an SRT stream takes one plain key (the SRT passphrase libsrt needs), not a list or a hash',
    ]);
  });

  it('refuses a key hash that would cost more than 64 MiB or p=4 per check (each wrong key pays it)', () => {
    const issues = (key: string) => {
      try {
        parseConfig({ streams: [{ name: 'a', key, source: { type: 'rtmp' } }] });
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
      }
    };
    const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
    const hash = 'aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
    expect(issues(`$scrypt$ln=20,r=32,p=1$${salt}$${hash}`)).toEqual([expect.stringMatching(/^streams\[0\]\.key: key 1: key hash cost out of range: .* 64 MiB of memory per check/)]);
    expect(issues(`$scrypt$ln=17,r=8,p=1$${salt}$${hash}`)).toHaveLength(1);
    expect(issues(`$scrypt$ln=14,r=8,p=8$${salt}$${hash}`)).toHaveLength(1);
    expect(issues(`$scrypt$ln=16,r=8,p=1$${salt}$${hash}`)).toEqual([]);
  });

  it('takes typed pull options only, and refuses ffmpeg syntax with the way out', () => {
    const issues = (source: unknown, extra: object = {}) => {
      try {
        parseConfig({ ...extra, streams: [{ name: 'a', source }] });
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
      }
    };
    expect(issues({ type: 'pull', url: 'rtsp://cam/s', inputArgs: ['-rtsp_transport', 'tcp'] })).toEqual([
      'streams[0].source.inputArgs: inputArgs was removed: ffmpeg options are not accepted; use loop, nativeRate, start, format or rtspTransport',
    ]);
    expect(issues({ type: 'pull', url: 'concat:/a.mp4|/b.mp4' })).toEqual([expect.stringMatching(/^streams\[0\]\.source\.url: scheme concat: is not accepted/)]);
    expect(issues({ type: 'pull', url: 'rtsp://cam/s', rtspTransport: 'tcp' })).toEqual([]);
    expect(issues({ type: 'pull', url: '/media/a.ts' }, { pull: { maxStreams: 0 } })).toEqual(['streams: 1 pulled streams declared; pull.maxStreams allows 0']);
    expect(issues({ type: 'rtmp' }, { pull: { mediaDirectories: ['relative/dir'] } })).toEqual(['pull.mediaDirectories[0]: expected an absolute directory path']);
  });

  it('needs playback signing secrets for a private stream, and secrets long enough', () => {
    const issues = (value: unknown) => {
      try {
        parseConfig(value);
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
      }
    };
    expect(issues({ testSource: { private: true }, streams: [{ name: 'a', private: true, source: { type: 'rtmp' } }] })).toEqual([
      'streams[0].private: a private stream needs playback.signing.secrets',
      'testSource.private: a private stream needs playback.signing.secrets',
    ]);
    expect(issues({ playback: { signing: { secrets: ['short'] } } })).toEqual(['playback.signing.secrets[0]: expected a secret of at least 32 characters']);
    const secret = 'x'.repeat(32);
    expect(parseConfig({ playback: { signing: { secrets: [secret] } }, testSource: { private: true } }).playback).toEqual({ signing: { secrets: [secret], clockSkew: 30 } });
  });

  it('needs a mapping at the top level', () => {
    expect(problems('port: 8080')).toEqual(['llstream.yaml: expected a mapping of settings at the top level']);
  });
});
