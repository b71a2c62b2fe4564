import { describe, expect, it } from 'vitest';
import { FfmpegLog } from '../src/transcode/ffmpeg-log.js';
import { captureLogger } from './helpers.js';

describe('FfmpegLog', () => {
  it('logs warnings and errors at warn, the rest at debug, one record per line', () => {
    const { logger, records } = captureLogger();
    const log = new FfmpegLog(logger);
    log.write('[info] Opening x for writing\n[dash @ 0x1] [warn');
    log.write('ing] something odd\r[http @ 0x2] [error] HTTP error 500\n');
    expect(records.map((r) => [r.level, r.line])).toEqual([
      [20, '[info] Opening x for writing'],
      [40, '[dash @ 0x1] [warning] something odd'],
      [40, '[http @ 0x2] [error] HTTP error 500'],
    ]);
  });

  it('logs the expected rename complaint of HTTP output at debug', () => {
    const { logger, records } = captureLogger();
    new FfmpegLog(logger).write('[dash @ 0x1] [error] Cannot use rename on non file protocol, this may lead to races\n');
    expect(records[0]?.level).toBe(20);
  });

  it('rate-limits lines and reports how many it suppressed', () => {
    const { logger, records } = captureLogger();
    const log = new FfmpegLog(logger, { maxLinesPerSecond: 5 });
    log.write('[warning] w\n'.repeat(50));
    log.flush();
    expect(records.filter((r) => r.msg === 'ffmpeg')).toHaveLength(5);
    expect(records.at(-1)).toMatchObject({ level: 40, suppressed: 45, warnings: 45 });
  });

  it('keeps memory bounded for an endless line and remembers a short tail', () => {
    const { logger, records } = captureLogger();
    const log = new FfmpegLog(logger, { maxLineLength: 20, tailLines: 2 });
    for (let i = 0; i < 1000; i += 1) log.write('x'.repeat(1000));
    log.write(' end of the long line\n[info] one\n[info] two\n');
    expect(records.map((r) => r.line)).toEqual(['x'.repeat(20), '[info] one', '[info] two']);
    expect(log.tail).toEqual(['[info] one', '[info] two']);
  });

  it('skips debug lines entirely when debug is off, but still keeps them in the tail', () => {
    const { logger, records } = captureLogger('info');
    const log = new FfmpegLog(logger);
    log.write('[info] quiet\n[error] loud\n');
    expect(records.map((r) => r.line)).toEqual(['[error] loud']);
    expect(log.tail).toEqual(['[info] quiet', '[error] loud']);
  });

  it('hands every complete line to onLine, whatever the level and the rate limit', () => {
    const { logger } = captureLogger('info');
    const seen: string[] = [];
    const log = new FfmpegLog(logger, { maxLinesPerSecond: 1, onLine: (line) => seen.push(line) });
    log.write('[info] one\n[info] two\n[warning] thr');
    expect(seen).toEqual(['[info] one', '[info] two']);
    log.write('ee\n');
    expect(seen).toEqual(['[info] one', '[info] two', '[warning] three']);
  });
});
