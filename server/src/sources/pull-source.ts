import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { concatInputArgs, concatList } from '../transcode/ffconcat.js';
import type { FfmpegInvocation } from '../transcode/ffmpeg-supervisor.js';

/**
 * Container formats a pulled file may be declared as (`-f`), when its
 * name does not say: ffmpeg demuxer names, a fixed list so that no other
 * demuxer (`lavfi`, `concat`, raw formats reading any bytes as video) is
 * reachable through it. Network inputs are always probed.
 */
export const PULL_FORMATS = ['mpegts', 'flv', 'mp4', 'matroska', 'hls'] as const;

/** A {@link PULL_FORMATS} name. */
export type PullFormat = (typeof PULL_FORMATS)[number];

/**
 * URL schemes a stream may pull from, with the ffmpeg protocols each needs
 * (its `-protocol_whitelist`, the second wall behind the scheme check:
 * whatever the input refers to, a playlist's segment or a redirect, can use
 * no other protocol). `udp` is left out: its URL query is ffmpeg option
 * syntax that binds local ports.
 */
export const PULL_SCHEMES: Readonly<Record<string, string>> = Object.freeze({
  http: 'http,https,tcp,tls,crypto',
  https: 'http,https,tcp,tls,crypto',
  rtmp: 'rtmp,rtmps,tcp,tls',
  rtmps: 'rtmp,rtmps,tcp,tls',
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  rtsps: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  srt: 'srt',
});

/**
 * Query parameters an `srt://` URL may carry: libsrt reads the query as
 * options, and a caller must not turn the origin into an SRT listener
 * (`mode=listener`) or set anything else.
 */
const SRT_QUERY = new Set(['streamid', 'passphrase', 'pbkeylen', 'latency', 'rcvlatency', 'peerlatency', 'mode']);

/** Longest pull URL or file path accepted, characters. */
const MAX_URL_LENGTH = 2048;

/** A pulled stream's source, as the config file and `POST /api/streams` declare it. */
export interface PullSourceConfig {
  type: 'pull';
  /**
   * An `http(s)://`, `rtmp(s)://`, `rtsp(s)://` or `srt://` URL (see
   * {@link PULL_SCHEMES}), or an absolute file path (or `file:` URL).
   * Through the API, files only under `pull.mediaDirectories`.
   */
  url: string;
  /** Play a file over and over (`-stream_loop -1`); files only. @defaultValue false */
  loop?: boolean | undefined;
  /** Read at the input's own frame rate (`-re`), as a live source would arrive. @defaultValue true for files, false for URLs */
  nativeRate?: boolean | undefined;
  /** Start this many seconds into the input (`-ss`), 0 to 86 400; files only. @defaultValue 0 */
  start?: number | undefined;
  /** Container format of a file whose name does not say ({@link PULL_FORMATS}); files only. @defaultValue probed */
  format?: PullFormat | undefined;
  /** RTSP transport (`-rtsp_transport`); `rtsp(s)://` only. @defaultValue ffmpeg's (UDP, then TCP) */
  rtspTransport?: 'tcp' | 'udp' | undefined;
}

/** A pull source that cannot be used; the message says why (and, for the API, is the same for a missing and a forbidden file). */
export class PullSourceError extends Error {
  override readonly name = 'PullSourceError';
}

/** A checked pull input: a resolved file, or a URL of an allowed scheme. */
export type PullInput =
  | { kind: 'file'; path: string; source: PullSourceConfig }
  | { kind: 'url'; url: URL; scheme: string; source: PullSourceConfig };

/** Where {@link checkPullSource} lets files come from. */
export interface PullFilePolicy {
  /**
   * Directories pulled files must be in, after symlinks are resolved;
   * `'any'` for the operator's own config file.
   */
  mediaDirectories: readonly string[] | 'any';
}

const isFileUrl = (url: string): boolean => /^file:/i.test(url);
/** A colon before the first slash: a scheme, or ffmpeg protocol syntax such as `subfile,,start,0,,:` (never a path). */
const hasScheme = (url: string): boolean => /^[^/]*:/.test(url);

/**
 * Checks a pull source's URL and typed options synchronously: a scheme of
 * {@link PULL_SCHEMES} (with `srt://` limited to caller-side query
 * parameters) or a file path, no control characters, options that fit the
 * input's kind. Files are checked on disk by {@link resolvePullInput}.
 * @throws PullSourceError naming the problem.
 */
export function checkPullSource(source: PullSourceConfig): void {
  const { url } = source;
  if (url.length === 0 || url.length > MAX_URL_LENGTH) throw new PullSourceError(`the pull URL must be 1 to ${MAX_URL_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(url)) throw new PullSourceError('the pull URL must not contain control characters');
  const file = !hasScheme(url) || isFileUrl(url);
  if (!file) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PullSourceError(`${redactUrl(url).slice(0, 200)} is not a URL or an absolute file path`);
    }
    const scheme = parsed.protocol.slice(0, -1).toLowerCase();
    if (PULL_SCHEMES[scheme] === undefined) {
      throw new PullSourceError(`scheme ${scheme}: is not accepted; pull from ${Object.keys(PULL_SCHEMES).join(', ')} URLs or a media file`);
    }
    if (parsed.hostname === '') throw new PullSourceError(`${redactUrl(url)} has no host`);
    if (scheme === 'srt') {
      for (const [name, value] of parsed.searchParams) {
        if (!SRT_QUERY.has(name)) throw new PullSourceError(`srt:// URL parameter ${name} is not accepted (only ${[...SRT_QUERY].join(', ')})`);
        if (name === 'mode' && value !== 'caller') throw new PullSourceError('an srt:// pull is a caller (mode=caller); the origin does not listen for it');
      }
    }
    if (source.loop === true || source.start !== undefined || source.format !== undefined) {
      throw new PullSourceError('loop, start and format apply to files; a network input is probed and read as it comes');
    }
    if (source.rtspTransport !== undefined && scheme !== 'rtsp' && scheme !== 'rtsps') throw new PullSourceError('rtspTransport applies to rtsp:// URLs');
    return;
  }
  if (source.rtspTransport !== undefined) throw new PullSourceError('rtspTransport applies to rtsp:// URLs');
  if (source.start !== undefined && !(source.start >= 0 && source.start <= 86_400)) throw new PullSourceError('start must be 0 to 86400 seconds');
}

/**
 * Checks a pull source ({@link checkPullSource}) and, for a file, resolves
 * it: symlinks followed, a readable regular file, and (unless the policy
 * says `'any'`) inside one of the media directories. Through the API the
 * answer is the same for a file that is missing, unreadable, not a file or
 * outside the directories, so that it tells nobody which files exist.
 * @throws PullSourceError naming the problem.
 */
export async function resolvePullInput(source: PullSourceConfig, policy: PullFilePolicy): Promise<PullInput> {
  checkPullSource(source);
  const { url } = source;
  if (hasScheme(url) && !isFileUrl(url)) {
    const parsed = new URL(url);
    return { kind: 'url', url: parsed, scheme: parsed.protocol.slice(0, -1).toLowerCase(), source };
  }
  const given = isFileUrl(url) ? decodeURIComponent(url.replace(/^file:(\/\/)?/i, '')) : url;
  const { mediaDirectories } = policy;
  if (mediaDirectories === 'any') {
    const path = isAbsolute(given) ? given : resolve(given);
    try {
      const real = await realpath(path);
      await checkReadableFile(real);
      return { kind: 'file', path: real, source };
    } catch {
      throw new PullSourceError(`file ${given} does not exist or cannot be read`);
    }
  }
  const refusal = new PullSourceError(`file ${given} is not a readable file in the media directories (pull.mediaDirectories)`);
  if (!isAbsolute(given) || mediaDirectories.length === 0) throw refusal;
  try {
    const real = await realpath(given);
    const directories = await Promise.all(mediaDirectories.map((directory) => realpath(directory).catch(() => undefined)));
    if (!directories.some((directory) => directory !== undefined && real.startsWith(directory.endsWith(sep) ? directory : directory + sep))) throw refusal;
    await checkReadableFile(real);
    return { kind: 'file', path: real, source };
  } catch {
    throw refusal;
  }
}

async function checkReadableFile(path: string): Promise<void> {
  if (!(await stat(path)).isFile()) throw new Error('not a regular file');
  await access(path, constants.R_OK);
}

/** Secrets a URL carries: its password, and an SRT passphrase. */
export function urlSecrets(url: URL): string[] {
  const secrets: string[] = [];
  if (url.password !== '') secrets.push(url.password, decodeURIComponent(url.password));
  const passphrase = url.searchParams.get('passphrase');
  if (passphrase !== null && passphrase !== '') secrets.push(passphrase, encodeURIComponent(passphrase));
  return [...new Set(secrets)];
}

/** A URL without its password or SRT passphrase, for logs and the API. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@')
    .replace(/([?&]passphrase=)[^&#]*/i, '$1***');
}

/** Options of {@link pullInvocation}. */
export interface PullInvocationOptions {
  /** Give up on a network input after this long without data, seconds. @defaultValue 10 */
  timeout?: number | undefined;
  /** For ffprobe: leave out the ffmpeg-only options (`-re`, `-stream_loop`, `-ss` is kept). @defaultValue false */
  forProbe?: boolean | undefined;
}

/**
 * The input part of an ffmpeg (or ffprobe) command for a checked pull:
 * options built from the typed fields only, then `-i`. Every input gets a
 * `-protocol_whitelist` (files `file`; URLs their scheme's protocols). A
 * URL that carries a secret (a password, an SRT passphrase) is not put in
 * the command line: ffmpeg reads it from a one-entry ffconcat list on a
 * file descriptor (`fdTexts[0]`, the concat demuxer's `option` lines
 * carrying the input options), so it is never in `/proc/PID/cmdline`.
 * Network inputs give up after `timeout` seconds without data (`-timeout`
 * for RTSP, whose demuxer ignores `-rw_timeout`).
 */
export function pullInvocation(input: PullInput, options: PullInvocationOptions = {}): FfmpegInvocation {
  const { source } = input;
  const forProbe = options.forProbe ?? false;
  const loop = !forProbe && source.loop === true;
  if (input.kind === 'file') {
    const nativeRate = !forProbe && (source.nativeRate ?? true);
    return {
      args: [
        ...(loop ? ['-stream_loop', '-1'] : []),
        ...(nativeRate ? ['-re'] : []),
        ...(source.start !== undefined && source.start > 0 ? ['-ss', String(source.start)] : []),
        ...(source.format === undefined ? [] : ['-f', source.format]),
        ...['-protocol_whitelist', 'file', '-i', `file:${input.path}`],
      ],
    };
  }
  const microseconds = String(Math.round((options.timeout ?? 10) * 1_000_000));
  const rtsp = input.scheme === 'rtsp' || input.scheme === 'rtsps';
  const inputOptions: Array<[string, string]> = [
    [rtsp ? 'timeout' : 'rw_timeout', microseconds],
    ...(source.rtspTransport === undefined ? [] : [['rtsp_transport', source.rtspTransport] as [string, string]]),
  ];
  const nativeRate = !forProbe && source.nativeRate === true ? ['-re'] : [];
  // A live input arrives in real time: what ffmpeg reads while it analyzes the input would
  // otherwise be decoded afterwards, and that backlog would stay as latency for the session.
  // The input was probed already; the transcoder analyzes briefly and keeps nothing of it.
  if (!forProbe && source.nativeRate !== true) inputOptions.push(['fflags', 'nobuffer'], ['analyzeduration', '500000']);
  const whitelist = PULL_SCHEMES[input.scheme]!;
  if (urlSecrets(input.url).length === 0) {
    return { args: [...nativeRate, ...inputOptions.flatMap(([name, value]) => [`-${name}`, value]), '-protocol_whitelist', whitelist, '-i', input.url.href] };
  }
  return { args: [...nativeRate, ...concatInputArgs(whitelist)], fdTexts: [concatList(input.url.href, inputOptions)] };
}
