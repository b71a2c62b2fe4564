/** A video Representation of the origin's ABR ladder. */
export interface Rung {
  id: string;
  height: number;
  /** `Representation@bandwidth`, bits per second. */
  bandwidth: number;
}

/** What the bench needs from the live MPD. */
export interface LiveManifest {
  /** `MPD@availabilityStartTime`, epoch ms. */
  availabilityStartTime: number;
  /** Video Representations, highest bandwidth first. */
  ladder: Rung[];
  /** `SegmentTemplate@media` of the video (same for every Representation here). */
  mediaTemplate: string;
  startNumber: number;
  /** Segment duration, seconds. */
  segmentSeconds: number;
}

const attr = (element: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(element)?.[1];

/**
 * Reads the origin's live MPD (a flat SegmentTemplate per Representation, as
 * the origin writes it). Not a general MPD parser.
 * @throws Error when the manifest has no video Representation or template.
 */
export async function fetchLiveManifest(url: string): Promise<LiveManifest> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const text = await response.text();
  const ast = Date.parse(attr(/<MPD\s[^>]*>/.exec(text)?.[0] ?? '', 'availabilityStartTime') ?? '');
  const video = /<AdaptationSet[^>]*contentType="video"[^>]*>([\s\S]*?)<\/AdaptationSet>/.exec(text)?.[1] ?? '';
  const ladder: Rung[] = [];
  for (const match of video.matchAll(/<Representation\s[^>]*>/g)) {
    ladder.push({ id: attr(match[0], 'id') ?? '', height: Number(attr(match[0], 'height')), bandwidth: Number(attr(match[0], 'bandwidth')) });
  }
  const template = /<SegmentTemplate\s[^>]*>/.exec(video)?.[0];
  if (ladder.length === 0 || template === undefined || Number.isNaN(ast)) throw new Error(`${url}: no video ladder, template or availabilityStartTime`);
  ladder.sort((a, b) => b.bandwidth - a.bandwidth);
  return {
    availabilityStartTime: ast,
    ladder,
    mediaTemplate: attr(template, 'media') ?? '',
    startNumber: Number(attr(template, 'startNumber') ?? 1),
    segmentSeconds: Number(attr(template, 'duration')) / Number(attr(template, 'timescale') ?? 1),
  };
}

/** URL of media segment `number` of Representation `id`, resolved against the manifest URL. */
export function segmentUrl(manifestUrl: string, manifest: LiveManifest, id: string, number: number): string {
  const path = manifest.mediaTemplate
    .replace('$RepresentationID$', id)
    .replace(/\$Number(?:%0(\d+)d)?\$/, (_m, width?: string) => String(number).padStart(Number(width ?? 0), '0'));
  return new URL(path, manifestUrl).href;
}

/** Number of the segment whose media is being produced at `now` (epoch ms). */
export function liveSegmentNumber(manifest: LiveManifest, now = Date.now()): number {
  return manifest.startNumber + Math.floor((now - manifest.availabilityStartTime) / 1000 / manifest.segmentSeconds);
}
