import { describe, expect, it } from 'vitest';

import { readManifestTiming } from './manifest-timing.js';

/**
 * The shape dash.js 5.2 gives the origin's MPD (ffmpeg 5.1 dash muxer with
 * -ldash 1 -write_prft 1 -target_latency 1), as dumped from a browser:
 * attributes as properties, numbers parsed, availabilityStartTime a Date.
 */
function ffmpegManifest(): Record<string, unknown> {
  const template = { timescale: 1000000, duration: 1000000, availabilityTimeOffset: 0.967, availabilityTimeComplete: 'false' };
  return {
    type: 'dynamic',
    availabilityStartTime: new Date('2026-11-23T03:58:04.208Z'),
    ServiceDescription: [{ id: '0', Latency: { target: 1000, referenceId: 1 } }],
    Period: [
      {
        id: '0',
        start: 0,
        AdaptationSet: [
          {
            id: '0',
            contentType: 'video',
            Representation: [
              {
                id: '0',
                ProducerReferenceTime: [{ id: '0', inband: 'true', type: 'captured', wallClockTime: '2026-11-23T03:58:04.214Z', presentationTime: 0 }],
                SegmentTemplate: template,
              },
            ],
          },
          {
            id: '1',
            contentType: 'audio',
            Representation: [
              {
                id: '1',
                ProducerReferenceTime: [{ id: '1', inband: 'true', type: 'captured', wallClockTime: '2026-11-23T03:58:04.108Z', presentationTime: 0 }],
                SegmentTemplate: template,
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('readManifestTiming', () => {
  it('reads ServiceDescription Latency@target in seconds', () => {
    expect(readManifestTiming(ffmpegManifest()).targetLatency).toBe(1);
  });

  it('takes the PRFT named by Latency@referenceId: offset = availabilityStartTime - PRT0', () => {
    // PRFT id 1 says presentation time 0 was produced at .108, AST is .208.
    expect(readManifestTiming(ffmpegManifest()).producerReferenceOffset).toBeCloseTo(0.1, 6);
  });

  it('falls back to the first PRFT when none matches the referenceId', () => {
    const manifest = ffmpegManifest();
    manifest['ServiceDescription'] = [{ id: '0', Latency: { target: 500 } }];
    const timing = readManifestTiming(manifest);
    expect(timing.targetLatency).toBe(0.5);
    expect(timing.producerReferenceOffset).toBeCloseTo(-0.006, 6);
  });

  it('accounts for PRFT@presentationTime, presentationTimeOffset and Period@start', () => {
    const manifest = {
      availabilityStartTime: '2026-01-01T00:00:00.000Z',
      Period: [
        {
          start: 10,
          AdaptationSet: [
            {
              SegmentTemplate: { timescale: '90000', presentationTimeOffset: '900000' },
              ProducerReferenceTime: { id: '7', wallClockTime: '2026-01-01T00:00:25.000Z', presentationTime: '1800000' },
              Representation: [{ id: 'v' }],
            },
          ],
        },
      ],
    };
    // Presentation time 20 s - PTO 10 s + period start 10 s = 20 s on the MPD timeline, produced at AST + 25 s.
    expect(readManifestTiming(manifest)).toEqual({ targetLatency: null, availabilityStartTime: Date.parse('2026-01-01T00:00:00.000Z'), producerReferenceOffset: -5 });
  });

  it('returns no target and a zero offset for manifests without that information', () => {
    expect(readManifestTiming({ type: 'dynamic', availabilityStartTime: new Date(0) })).toEqual({ targetLatency: null, availabilityStartTime: 0, producerReferenceOffset: 0 });
    expect(readManifestTiming({ ServiceDescription: [{ Latency: { target: 'soon' } }] })).toEqual({ targetLatency: null, availabilityStartTime: null, producerReferenceOffset: 0 });
    expect(readManifestTiming(null)).toEqual({ targetLatency: null, availabilityStartTime: null, producerReferenceOffset: 0 });
  });
});
