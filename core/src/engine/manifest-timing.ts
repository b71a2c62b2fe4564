/**
 * Latency-related timing read from a manifest as dash.js 5 parses it
 * (`MANIFEST_LOADED` event data: elements become properties, child elements
 * arrays or objects, numeric attributes numbers, `availabilityStartTime` a `Date`).
 */
export interface ManifestTiming {
  /** `ServiceDescription/Latency@target` in seconds, or `null`. */
  readonly targetLatency: number | null;
  /** `MPD@availabilityStartTime`, milliseconds since the Unix epoch, or `null`. */
  readonly availabilityStartTime: number | null;
  /**
   * `availabilityStartTime` minus the wall-clock time that the chosen
   * `ProducerReferenceTime` puts at presentation time 0 (TO in ETSI TS 103 285
   * clause 10.20.4), in seconds; 0 without a usable PRFT. Latency measured
   * from `availabilityStartTime` plus this offset is latency measured from the
   * producer's clock.
   */
  readonly producerReferenceOffset: number;
}

type Parsed = Record<string, unknown>;

function isParsed(value: unknown): value is Parsed {
  return typeof value === 'object' && value !== null;
}

/** dash.js keeps a repeated element as an array and sometimes a single one as an object. */
function all(value: unknown): Parsed[] {
  if (Array.isArray(value)) return value.filter(isParsed);
  return isParsed(value) ? [value] : [];
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

function toEpochMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

interface ProducerReference {
  readonly id: number;
  readonly offset: number;
}

function producerReferences(mpd: Parsed, astSeconds: number): ProducerReference[] {
  const references: ProducerReference[] = [];
  for (const period of all(mpd['Period'])) {
    const periodStart = toNumber(period['start']);
    for (const adaptationSet of all(period['AdaptationSet'])) {
      const representations = all(adaptationSet['Representation']);
      const holders = [adaptationSet, ...representations];
      for (const holder of holders) {
        // SegmentTemplate attributes are inherited downward: Representation, then AdaptationSet, then Period.
        const template = [holder, adaptationSet, period].map((level) => all(level['SegmentTemplate'])[0]).find(isParsed);
        const timescale = toNumber(template?.['timescale']);
        const scale = Number.isFinite(timescale) && timescale > 0 ? timescale : 1;
        const presentationTimeOffset = toNumber(template?.['presentationTimeOffset']);
        for (const prft of all(holder['ProducerReferenceTime'])) {
          const id = toNumber(prft['id']);
          const wallClockSeconds = toEpochMs(prft['wallClockTime']) / 1000;
          const presentationTime = toNumber(prft['presentationTime']);
          // PRT0: the producer's wall-clock time at the start of the MPD timeline (TS 103 285 10.20.4 step 1).
          const prt0 =
            wallClockSeconds -
            (presentationTime / scale -
              (Number.isFinite(presentationTimeOffset) ? presentationTimeOffset / scale : 0) +
              (Number.isFinite(periodStart) ? periodStart : 0));
          const offset = astSeconds - prt0;
          if (Number.isFinite(id) && Number.isFinite(offset)) references.push({ id, offset });
        }
      }
    }
  }
  return references;
}

/**
 * Reads the target latency and the producer reference offset from a parsed
 * MPD. The PRFT is chosen as dash.js and TS 103 285 do: the one whose `@id`
 * is `Latency@referenceId`, else the first one.
 */
export function readManifestTiming(manifest: unknown): ManifestTiming {
  if (!isParsed(manifest)) return { targetLatency: null, availabilityStartTime: null, producerReferenceOffset: 0 };
  const latency = all(manifest['ServiceDescription'])
    .flatMap((description) => all(description['Latency']))
    .find((element) => toNumber(element['target']) > 0);
  const targetMs = toNumber(latency?.['target']);
  const targetLatency = targetMs > 0 ? targetMs / 1000 : null;

  const astSeconds = toEpochMs(manifest['availabilityStartTime']) / 1000;
  if (!Number.isFinite(astSeconds)) return { targetLatency, availabilityStartTime: null, producerReferenceOffset: 0 };
  const references = producerReferences(manifest, astSeconds);
  const referenceId = toNumber(latency?.['referenceId']);
  const chosen = references.find((reference) => reference.id === referenceId) ?? references[0];
  return { targetLatency, availabilityStartTime: astSeconds * 1000, producerReferenceOffset: chosen?.offset ?? 0 };
}
