/**
 * DASH SegmentTemplate identifiers (ISO/IEC 23009-1, 5.3.9.4.4): `$$`, and
 * `$RepresentationID$`, `$Number$`, `$Bandwidth$`, `$Time$`, `$SubNumber$`,
 * the numeric ones optionally with a `%0<width>d` format tag.
 */
const IDENTIFIER = /\$(RepresentationID|Number|Bandwidth|Time|SubNumber)?(?:%0(\d+)d)?\$/g;

/** Values substituted into a template for one representation. */
export interface TemplateValues {
  /** Representation@id. */
  representationId: string;
  /** Representation@bandwidth in bits/s, if the manifest gives one. */
  bandwidth?: number | undefined;
  /** Segment number for `$Number$`. */
  number?: number | undefined;
}

/** Recognizes the file names one representation's media template produces. */
export interface MediaNamePattern {
  /** Representation@id the pattern belongs to. */
  readonly representationId: string;
  /** First segment number (SegmentTemplate@startNumber, default 1). */
  readonly startNumber: number;
  /** The `$Number$` value of `name`, or undefined if the template cannot produce `name`. */
  match(name: string): number | undefined;
  /**
   * The name of segment `number` (the template filled in), or undefined if
   * the template needs a value it was not given (`$Time$`, `$SubNumber$`,
   * `$Bandwidth$` without a bandwidth).
   */
  nameOf(number: number): string | undefined;
}

function pad(value: number, width: string | undefined): string {
  return width === undefined ? String(value) : String(value).padStart(Number(width), '0');
}

/**
 * Fills in a SegmentTemplate string (e.g. `initialization`) for one
 * representation.
 * @returns undefined if the template needs a value that is not given
 *   (`$Time$`, `$SubNumber$`, or `$Number$`/`$Bandwidth$` without one).
 */
export function expandTemplate(template: string, values: TemplateValues): string | undefined {
  let missing = false;
  const result = template.replace(IDENTIFIER, (_token, identifier: string | undefined, width: string | undefined) => {
    switch (identifier) {
      case undefined:
        return '$';
      case 'RepresentationID':
        return values.representationId;
      case 'Bandwidth':
        if (values.bandwidth === undefined) break;
        return pad(values.bandwidth, width);
      case 'Number':
        if (values.number === undefined) break;
        return pad(values.number, width);
    }
    missing = true;
    return '';
  });
  return missing ? undefined : result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiles a SegmentTemplate@media string for one representation into a
 * pattern that reads the segment number back out of a file name, so the
 * origin can tell which segment numbers are about to exist.
 * @returns undefined if the template has no `$Number$` (e.g. `$Time$`
 *   addressing), where "the next number" does not apply.
 */
export function compileMediaTemplate(
  template: string,
  values: Omit<TemplateValues, 'number'> & { startNumber?: number | undefined },
): MediaNamePattern | undefined {
  let source = '';
  let hasNumber = false;
  let last = 0;
  for (const token of template.matchAll(IDENTIFIER)) {
    source += escapeRegExp(template.slice(last, token.index));
    last = token.index + token[0].length;
    const [, identifier, width] = token;
    switch (identifier) {
      case undefined:
        source += '\\$';
        break;
      case 'RepresentationID':
        source += escapeRegExp(values.representationId);
        break;
      case 'Bandwidth':
        source += values.bandwidth === undefined ? '\\d+' : escapeRegExp(pad(values.bandwidth, width));
        break;
      case 'Number':
        if (hasNumber) return undefined;
        hasNumber = true;
        // A width pads to at least that many digits; larger numbers grow.
        source += width === undefined ? '(\\d+)' : `(\\d{${Number(width)},})`;
        break;
      default:
        source += '\\d+';
    }
  }
  source += escapeRegExp(template.slice(last));
  if (!hasNumber) return undefined;
  const regExp = new RegExp(`^${source}$`);
  return {
    representationId: values.representationId,
    startNumber: values.startNumber ?? 1,
    match(name) {
      const digits = regExp.exec(name)?.[1];
      return digits === undefined ? undefined : Number(digits);
    },
    nameOf: (number) => expandTemplate(template, { ...values, number }),
  };
}
