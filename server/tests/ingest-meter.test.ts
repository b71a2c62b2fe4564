import { describe, expect, it } from 'vitest';
import { IngestMeter } from '../src/ingest/ingest-meter.js';
import type { StoreObserver } from '../src/index.js';

describe('IngestMeter', () => {
  it('counts bytes per stream and passes every call on to the next observer', () => {
    const calls: string[] = [];
    const next: StoreObserver = {
      streamCreated: (stream) => ({
        ingested: (rendition, bytes, chunks) => calls.push(`${stream} ${rendition} ${bytes} ${chunks}`),
        chunkFannedOut: (delay) => calls.push(`fanout ${delay}`),
        heldRequestEnded: (outcome) => calls.push(`held ${outcome}`),
        dropped: () => calls.push(`dropped ${stream}`),
      }),
    };
    const meter = new IngestMeter(next);
    const a = meter.streamCreated('a');
    a.ingested('0', 1000, 2);
    a.ingested('1', 500, 1);
    a.chunkFannedOut(0.001);
    a.heldRequestEnded('served');
    a.dropped();
    expect(meter.bytes('a')).toBe(1500);
    expect(meter.bytes('b')).toBe(0);
    expect(calls).toEqual(['a 0 1000 2', 'a 1 500 1', 'fanout 0.001', 'held served', 'dropped a']);
  });

  it('turns readings into bits/s over its window', () => {
    const meter = new IngestMeter(undefined, 2000);
    const a = meter.streamCreated('a');
    expect(meter.bitrate('a', 0)).toBe(0);
    a.ingested('0', 125_000, 1);
    expect(meter.bitrate('a', 1000)).toBe(1_000_000);
    a.ingested('0', 125_000, 1);
    expect(meter.bitrate('a', 2000)).toBe(1_000_000);
    // Readings older than the window drop out: no ingest for 3 s reads 0.
    meter.bitrate('a', 4000);
    expect(meter.bitrate('a', 5000)).toBe(0);
  });
});
