import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPullSource, pullInvocation, redactUrl, resolvePullInput, type PullSourceConfig } from '../src/index.js';

const pull = (url: string, options: Omit<PullSourceConfig, 'type' | 'url'> = {}): PullSourceConfig => ({ type: 'pull', url, ...options });

describe('checkPullSource', () => {
  it('takes http(s), rtmp(s), rtsp(s) and srt URLs and file paths', () => {
    for (const url of ['http://cam/live.ts', 'https://cdn/vod.mp4', 'rtmp://host/app/key', 'rtmps://host/app', 'rtsp://admin:pw@10.0.0.5/stream', 'srt://host:9000?streamid=a&passphrase=0123456789', '/media/film.mkv', 'file:///media/film.mkv']) {
      expect(() => checkPullSource(pull(url)), url).not.toThrow();
    }
  });

  it("refuses every ffmpeg protocol that is not a network source (the review's file read and write)", () => {
    for (const [url, problem] of [
      ['concat:/some/file.mp4', /scheme concat: is not accepted/],
      ['subfile,,start,0,end,0,,:/etc/passwd', /scheme subfile,,start,0,end,0,,: is not|is not a URL|not accepted/],
      ['data:video/mp4;base64,AAAA', /scheme data: is not accepted/],
      ['pipe:0', /scheme pipe: is not accepted/],
      ['fd:3', /scheme fd: is not accepted/],
      ['udp://239.0.0.1:1234?localport=9', /scheme udp: is not accepted/],
      ['lavfi:testsrc', /scheme lavfi: is not accepted/],
      ['srt://0.0.0.0:9000?mode=listener', /is a caller/],
      ['srt://host:9000?transtype=file', /parameter transtype is not accepted/],
      ['http://cam/a\r\nb', /control characters/],
      ['http://', /is not a URL|has no host/],
    ] as const) {
      expect(() => checkPullSource(pull(url)), url).toThrow(problem);
    }
  });

  it('accepts options only where they fit the input', () => {
    expect(() => checkPullSource(pull('http://cam/live.ts', { loop: true }))).toThrow(/apply to files/);
    expect(() => checkPullSource(pull('http://cam/live.ts', { format: 'mpegts' }))).toThrow(/apply to files/);
    expect(() => checkPullSource(pull('/media/a.ts', { rtspTransport: 'tcp' }))).toThrow(/rtsp:\/\/ URLs/);
    expect(() => checkPullSource(pull('rtsp://cam/s', { rtspTransport: 'tcp' }))).not.toThrow();
    expect(() => checkPullSource(pull('/media/a.ts', { start: -1 }))).toThrow(/0 to 86400/);
  });
});

describe('resolvePullInput', () => {
  let root: string;
  let media: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'llstream-pull-'));
    media = join(root, 'media');
    await mkdir(media);
    await writeFile(join(media, 'film.mp4'), 'x');
    await writeFile(join(root, 'secret.txt'), 'x');
    await writeFile(join(media, 'unreadable.mp4'), 'x');
    await chmod(join(media, 'unreadable.mp4'), 0o000);
    await symlink(join(root, 'secret.txt'), join(media, 'escape.mp4'));
    await symlink(join(media, 'film.mp4'), join(media, 'alias.mp4'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const api = (url: string) => resolvePullInput(pull(url), { mediaDirectories: [media] });

  it('resolves a file in a media directory, following symlinks that stay inside', async () => {
    expect(await api(join(media, 'film.mp4'))).toMatchObject({ kind: 'file', path: join(media, 'film.mp4') });
    expect(await api(`file://${join(media, 'alias.mp4')}`)).toMatchObject({ kind: 'file', path: join(media, 'film.mp4') });
  });

  it('gives the same answer for a file that is missing, unreadable, outside, reached by a symlink or a dot segment', async () => {
    const answers = await Promise.all(
      [join(media, 'nope.mp4'), join(root, 'secret.txt'), join(media, 'escape.mp4'), `${media}/../secret.txt`, '/etc/passwd', 'film.mp4', media].map((path) =>
        api(path).then(
          () => 'accepted',
          (error: Error) => error.message.replace(/^file \S+ /, 'file X '),
        ),
      ),
    );
    // Root reads the unreadable file anyway; as any other user it is refused with the same answer.
    if (process.getuid?.() !== 0) answers.push(await api(join(media, 'unreadable.mp4')).then(() => 'accepted', (error: Error) => error.message.replace(/^file \S+ /, 'file X ')));
    expect(new Set(answers)).toEqual(new Set(['file X is not a readable file in the media directories (pull.mediaDirectories)']));
  });

  it('refuses every file when there are no media directories, and lets the config file read any', async () => {
    await expect(resolvePullInput(pull(join(media, 'film.mp4')), { mediaDirectories: [] })).rejects.toThrow(/not a readable file in the media directories/);
    expect(await resolvePullInput(pull(join(root, 'secret.txt')), { mediaDirectories: 'any' })).toMatchObject({ kind: 'file' });
    await expect(resolvePullInput(pull(join(root, 'nope')), { mediaDirectories: 'any' })).rejects.toThrow(/does not exist or cannot be read/);
  });
});

describe('pullInvocation', () => {
  const file = { kind: 'file' as const, path: '/media/a.mp4' };

  it('reads files at their native rate through the file protocol only, loops with -stream_loop -1', () => {
    expect(pullInvocation({ ...file, source: pull('/media/a.mp4') }).args).toEqual(['-re', '-protocol_whitelist', 'file', '-i', 'file:/media/a.mp4']);
    expect(pullInvocation({ ...file, source: pull('/media/a.mp4', { loop: true, start: 12.5, format: 'mpegts' }) }).args).toEqual([
      ...['-stream_loop', '-1', '-re', '-ss', '12.5', '-f', 'mpegts', '-protocol_whitelist', 'file', '-i', 'file:/media/a.mp4'],
    ]);
    expect(pullInvocation({ ...file, source: pull('/media/a.mp4', { loop: true }) }, { forProbe: true }).args).toEqual(['-protocol_whitelist', 'file', '-i', 'file:/media/a.mp4']);
  });

  it("gives network inputs a read timeout and their scheme's protocols only", () => {
    const url = (text: string, options = {}) => ({ kind: 'url' as const, url: new URL(text), scheme: new URL(text).protocol.slice(0, -1), source: pull(text, options) });
    // A live input: the transcoder keeps nothing of what it read while it analyzed the input.
    const live = ['-fflags', 'nobuffer', '-analyzeduration', '500000'];
    expect(pullInvocation(url('http://cam/live.ts'), { timeout: 5 }).args).toEqual(['-rw_timeout', '5000000', ...live, '-protocol_whitelist', 'http,https,tcp,tls,crypto', '-i', 'http://cam/live.ts']);
    expect(pullInvocation(url('http://cam/live.ts'), { timeout: 5, forProbe: true }).args).toEqual(['-rw_timeout', '5000000', '-protocol_whitelist', 'http,https,tcp,tls,crypto', '-i', 'http://cam/live.ts']);
    expect(pullInvocation(url('rtsp://cam/stream', { rtspTransport: 'tcp' })).args).toEqual([
      ...['-timeout', '10000000', '-rtsp_transport', 'tcp', ...live, '-protocol_whitelist', 'rtsp,rtsps,rtp,srtp,udp,tcp,tls', '-i', 'rtsp://cam/stream'],
    ]);
    // An on-demand file over HTTP read at its native rate keeps its start.
    expect(pullInvocation(url('https://cdn/vod.mp4', { nativeRate: true })).args).toEqual(['-re', '-rw_timeout', '10000000', '-protocol_whitelist', 'http,https,tcp,tls,crypto', '-i', 'https://cdn/vod.mp4']);
  });

  it('keeps a password or passphrase out of the arguments: the URL goes in an ffconcat list on a file descriptor', () => {
    const text = 'rtsp://admin:hunter2@10.0.0.5/stream';
    const { args, fdTexts } = pullInvocation({ kind: 'url', url: new URL(text), scheme: 'rtsp', source: pull(text, { rtspTransport: 'tcp' }) });
    expect(args.join(' ')).not.toContain('hunter2');
    expect(args).toEqual(['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'pipe,rtsp,rtsps,rtp,srtp,udp,tcp,tls', '-i', 'pipe:3']);
    expect(fdTexts).toEqual([
      "ffconcat version 1.0\nfile 'rtsp://admin:hunter2@10.0.0.5/stream'\noption timeout '10000000'\noption rtsp_transport 'tcp'\noption fflags 'nobuffer'\noption analyzeduration '500000'\n",
    ]);
    const srt = 'srt://host:9000?passphrase=0123456789abc';
    expect(pullInvocation({ kind: 'url', url: new URL(srt), scheme: 'srt', source: pull(srt) }).args.join(' ')).not.toContain('0123456789abc');
  });
});

describe('redactUrl', () => {
  it('hides passwords and SRT passphrases', () => {
    expect(redactUrl('rtsp://admin:hunter2@10.0.0.5/stream')).toBe('rtsp://admin:***@10.0.0.5/stream');
    expect(redactUrl('srt://h:9000?streamid=a&passphrase=0123456789')).toBe('srt://h:9000?streamid=a&passphrase=***');
  });
});
