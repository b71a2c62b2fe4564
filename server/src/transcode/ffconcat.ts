import { fdTextUrl } from './ffmpeg-supervisor.js';

/** Quotes a string for an ffconcat list (`'...'`, a `'` as `'\''`): the syntax the concat demuxer reads with av_get_token. */
function quote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * A one-entry ffconcat list: `url`, with `options` as the concat demuxer's
 * `option` lines (passed to the inner input when it is opened, as input
 * options before `-i` would be).
 *
 * ffmpeg 5.1 takes input options and URLs only from its command line,
 * which every local user can read (`/proc/PID/cmdline`). A secret an input
 * needs (a URL's password, an SRT passphrase) goes into this list instead,
 * which ffmpeg reads from a pipe on a file descriptor ({@link concatInputArgs}).
 */
export function concatList(url: string, options: ReadonlyArray<readonly [string, string]> = []): string {
  return ['ffconcat version 1.0', `file ${quote(url)}`, ...options.map(([name, value]) => `option ${name} ${quote(value)}`), ''].join('\n');
}

/**
 * Input arguments that read a {@link concatList} from `fdTexts[index]`
 * through `pipe:` (not `file`: whatever the inner input refers to must not
 * reach local files), with only `pipe` and `protocols` allowed.
 */
export function concatInputArgs(protocols: string, index = 0): string[] {
  return ['-f', 'concat', '-safe', '0', '-protocol_whitelist', `pipe,${protocols}`, '-i', fdTextUrl(index)];
}
