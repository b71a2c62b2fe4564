import { Box, BoxParser, DataStream, Endianness } from 'mp4box';
import type { SubtitleCue } from './webvtt.js';

/**
 * Writes WebVTT as CMAF text tracks (ISO/IEC 14496-30, "WebVTT in ISOBMFF"):
 * an init segment with a `wvtt` sample entry and one media segment
 * (`moof`+`mdat`) per segment interval.
 *
 * The ISOBMFF boxes come from mp4box.js, which has writers for the movie
 * and fragment structure (`moov`, `moof`, `trun`, ...). Its WebVTT boxes
 * (`wvtt`, `vttC`, `vttc`, `payl`, `iden`, `sttg`, `vtte`) can only be
 * parsed, not written; they are plain containers or UTF-8 strings, so they
 * are written here as a generic {@link Box} with their bytes as data.
 */

/** Track ID of the single track in every init and media segment written here. */
export const WVTT_TRACK_ID = 1;

/** One sample of a WebVTT track: an interval in which the same cues are shown. */
export interface WvttSample {
  /** Duration in track timescale units. */
  readonly duration: number;
  /** Cues shown during the whole interval, in display order; none for an empty (`vtte`) sample. */
  readonly cues: readonly SubtitleCue[];
}

/** Options of {@link wvttInitSegment}. */
export interface WvttInitOptions {
  /** Media timescale (mdhd), ticks per second. */
  timescale: number;
  /**
   * Language of the track. An ISO 639-2/T code (`eng`) goes into mdhd as is;
   * anything else (`en`, `pt-BR`) is written as `und` there (the MPD's
   * AdaptationSet@lang carries the full tag for players).
   */
  language: string;
  /** The WebVTT header for the `vttC` box (`WEBVTT` and any STYLE/REGION blocks). @defaultValue `'WEBVTT'` */
  header?: string;
}

/** Options of {@link wvttMediaSegment}. */
export interface WvttSegmentOptions {
  /** mfhd sequence number; increases by one per segment of a track. */
  sequenceNumber: number;
  /** tfdt: decode time of the first sample, track timescale units. */
  baseMediaDecodeTime: number;
  /** The samples, covering the segment's interval without gaps. */
  samples: readonly WvttSample[];
}

const utf8 = new TextEncoder();

/**
 * A box whose body is `data` (mp4box writes a generic Box's data after its
 * header). mp4box copies `data.buffer` from offset 0, ignoring the view's
 * byteOffset, so a view into a larger buffer (any small Node Buffer is one,
 * into the shared pool) is copied into its own buffer first.
 */
function dataBox(type: string, data: Uint8Array): Box {
  const box = new Box();
  box.type = type;
  box.data = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : new Uint8Array(data);
  return box;
}

/** A box containing `children`, written the way mp4box writes its container boxes. */
function containerBox(type: string, children: readonly Box[]): Uint8Array {
  const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
  for (const child of children) child.write(stream);
  return boxBytes(dataBox(type, bytesOf(stream)));
}

function bytesOf(stream: DataStream): Uint8Array {
  return new Uint8Array(stream.buffer, 0, stream.getPosition());
}

function boxBytes(...boxes: Box[]): Uint8Array {
  const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
  for (const box of boxes) box.write(stream);
  return bytesOf(stream);
}

/** mdhd's language field: three ISO 639-2/T letters, five bits each (ISO/IEC 14496-12, 8.4.2.3). */
export function packedLanguage(language: string): number {
  const code = /^[a-z]{3}$/.test(language) ? language : 'und';
  return [...code].reduce((packed, letter) => (packed << 5) | (letter.charCodeAt(0) - 0x60), 0);
}

/** The bytes of one sample: a `vttc` per cue (`iden`, `sttg`, `payl`), or one `vtte`. */
export function wvttSampleData(cues: readonly SubtitleCue[]): Uint8Array {
  if (cues.length === 0) return boxBytes(dataBox('vtte', new Uint8Array(0)));
  const parts = cues.map((cue) =>
    containerBox('vttc', [
      ...(cue.id === undefined || cue.id === '' ? [] : [dataBox('iden', utf8.encode(cue.id))]),
      ...(cue.settings === undefined || cue.settings === '' ? [] : [dataBox('sttg', utf8.encode(cue.settings))]),
      dataBox('payl', utf8.encode(cue.text)),
    ]),
  );
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * The init segment of a WebVTT track: `ftyp` (CMAF brands, `cwvt` = CMAF
 * WebVTT track), `moov` with one `text` track (`nmhd`, `stsd` holding `wvtt`
 * with `vttC`) and `mvex`/`trex` for fragments.
 * @throws RangeError if `timescale` is not a positive integer.
 */
export function wvttInitSegment(options: WvttInitOptions): Buffer {
  const { timescale } = options;
  if (!Number.isInteger(timescale) || timescale <= 0 || timescale > 0xffffffff) {
    throw new RangeError(`timescale must be a positive 32-bit integer, got ${timescale}`);
  }
  const { box } = BoxParser;

  const ftyp = new box.ftyp();
  ftyp.major_brand = 'iso6';
  ftyp.minor_version = 0;
  ftyp.compatible_brands = ['iso6', 'cmfc', 'cwvt', 'dash'];

  const mvhd = new box.mvhd();
  Object.assign(mvhd, {
    creation_time: 0,
    modification_time: 0,
    timescale,
    duration: 0,
    rate: 0x00010000,
    volume: 1,
    matrix: [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000],
    next_track_id: WVTT_TRACK_ID + 1,
  });

  const tkhd = new box.tkhd();
  Object.assign(tkhd, {
    // enabled, in movie, in preview
    flags: 0x7,
    creation_time: 0,
    modification_time: 0,
    track_id: WVTT_TRACK_ID,
    duration: 0,
    layer: 0,
    alternate_group: 0,
    volume: 0,
    matrix: [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000],
    width: 0,
    height: 0,
  });

  const mdhd = new box.mdhd();
  Object.assign(mdhd, { creation_time: 0, modification_time: 0, timescale, duration: 0, language: packedLanguage(options.language) });

  const hdlr = new box.hdlr();
  Object.assign(hdlr, { handler: 'text', name: 'llstream WebVTT' });

  // The null media header: 14496-30 7.3 puts WebVTT under the 'text' handler.
  const nmhd = dataBox('nmhd', new Uint8Array(4));
  const url = new box['url ']();
  url.flags = 1;
  const dref = new box.dref();
  dref.entries = [url];
  const dinf = new box.dinf();
  dinf.addBox(dref);

  // wvtt = PlainTextSampleEntry: SampleEntry header (6 reserved bytes,
  // data_reference_index) then its boxes: vttC.
  const vttC = boxBytes(dataBox('vttC', utf8.encode(options.header ?? 'WEBVTT')));
  const wvtt = new BoxParser.sampleEntry.wvtt();
  wvtt.data_reference_index = 1;
  // Its own buffer, for the same reason as in dataBox.
  wvtt.data = new Uint8Array(vttC);
  const stsd = new box.stsd();
  stsd.entries = [wvtt];

  const stts = new box.stts();
  Object.assign(stts, { sample_counts: [], sample_deltas: [] });
  const stsc = new box.stsc();
  Object.assign(stsc, { first_chunk: [], samples_per_chunk: [], sample_description_index: [] });
  const stsz = new box.stsz();
  Object.assign(stsz, { sample_size: 0, sample_sizes: [] });
  const stco = new box.stco();
  stco.chunk_offsets = [];
  const stbl = new box.stbl();
  for (const child of [stsd, stts, stsc, stsz, stco]) stbl.addBox(child);

  const minf = new box.minf();
  for (const child of [nmhd, dinf, stbl]) minf.addBox(child);
  const mdia = new box.mdia();
  for (const child of [mdhd, hdlr, minf]) mdia.addBox(child);
  const trak = new box.trak();
  trak.addBox(tkhd);
  trak.addBox(mdia);

  const trex = new box.trex();
  Object.assign(trex, {
    track_id: WVTT_TRACK_ID,
    default_sample_description_index: 1,
    default_sample_duration: 0,
    default_sample_size: 0,
    // Every text sample is a sync sample.
    default_sample_flags: 0,
  });
  const mvex = new box.mvex();
  mvex.addBox(trex);

  const moov = new box.moov();
  for (const child of [mvhd, trak, mvex]) moov.addBox(child);
  return Buffer.from(boxBytes(ftyp, moov));
}

/** trun flags: data-offset-present, sample-duration-present, sample-size-present. */
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200;
/** tfhd flag default-base-is-moof: data offsets count from the moof (CMAF). */
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;

/**
 * One media segment (one CMAF chunk: `moof` + `mdat`) of a WebVTT track.
 * @throws RangeError if there are no samples or a duration is not a
 *   positive integer (a text segment must cover its whole interval).
 */
export function wvttMediaSegment(options: WvttSegmentOptions): Buffer {
  const { samples } = options;
  if (samples.length === 0) throw new RangeError('a WebVTT media segment needs at least one sample');
  for (const sample of samples) {
    if (!Number.isInteger(sample.duration) || sample.duration <= 0) {
      throw new RangeError(`sample durations must be positive integers, got ${sample.duration}`);
    }
  }
  const { box } = BoxParser;
  const data = samples.map((sample) => wvttSampleData(sample.cues));

  const mfhd = new box.mfhd();
  mfhd.sequence_number = options.sequenceNumber;
  const tfhd = new box.tfhd();
  tfhd.flags = TFHD_DEFAULT_BASE_IS_MOOF;
  tfhd.track_id = WVTT_TRACK_ID;
  const tfdt = new box.tfdt();
  // Version 1 (64 bits) always: a long-running stream passes 2^32 ticks.
  tfdt.version = 1;
  tfdt.baseMediaDecodeTime = options.baseMediaDecodeTime;
  const trun = new box.trun();
  Object.assign(trun, {
    version: 0,
    flags: TRUN_FLAGS,
    sample_count: samples.length,
    data_offset: 0,
    sample_duration: samples.map((sample) => sample.duration),
    sample_size: data.map((bytes) => bytes.byteLength),
    sample_flags: [],
    sample_composition_time_offset: [],
  });
  const traf = new box.traf();
  for (const child of [tfhd, tfdt, trun]) traf.addBox(child);
  const moof = new box.moof();
  moof.addBox(mfhd);
  moof.addBox(traf);

  const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
  moof.write(stream);
  // The samples start right after the moof and the mdat header.
  trun.data_offset = moof.size + 8;
  stream.adjustUint32(trun.data_offset_position, trun.data_offset);
  dataBox('mdat', Buffer.concat(data)).write(stream);
  return Buffer.from(bytesOf(stream));
}
