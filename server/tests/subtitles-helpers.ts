import { createFile, type MP4BoxBuffer } from 'mp4box';

/** One cue box (`vttc`) of a sample, its children decoded. */
export interface ParsedCue {
  payl: string | undefined;
  iden: string | undefined;
  sttg: string | undefined;
}

/** One sample of a parsed WebVTT track. */
export interface ParsedSample {
  /** Decode time, track timescale. */
  dts: number;
  duration: number;
  isSync: boolean;
  /** `vttc` boxes; empty for a `vtte` sample. */
  cues: ParsedCue[];
  /** Box types at the top level of the sample (`vttc`... or `vtte`). */
  boxTypes: string[];
}

/** What mp4box.js reads back from an init segment and media segments. */
export interface ParsedWvtt {
  codec: string;
  timescale: number;
  language: string;
  handler: string;
  /** Text of the `vttC` box in the sample entry. */
  config: string | undefined;
  /** Top-level box types in file order. */
  boxTypes: string[];
  /** tfdt of each moof. */
  baseMediaDecodeTimes: number[];
  sequenceNumbers: number[];
  samples: ParsedSample[];
}

/** The boxes in `bytes` (size, type, body), one level deep. */
export function boxes(bytes: Uint8Array): Array<{ type: string; body: Uint8Array }> {
  const found: Array<{ type: string; body: Uint8Array }> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset + 8 <= bytes.byteLength; ) {
    const size = view.getUint32(offset);
    if (size < 8 || offset + size > bytes.byteLength) throw new Error(`bad box size ${size} at ${offset}`);
    found.push({ type: Buffer.from(bytes.subarray(offset + 4, offset + 8)).toString('latin1'), body: bytes.subarray(offset + 8, offset + size) });
    offset += size;
  }
  return found;
}

function parseSampleData(data: Uint8Array): { cues: ParsedCue[]; boxTypes: string[] } {
  const top = boxes(data);
  const text = (children: Array<{ type: string; body: Uint8Array }>, type: string): string | undefined => {
    const child = children.find((box) => box.type === type);
    return child === undefined ? undefined : Buffer.from(child.body).toString('utf8');
  };
  const cues = top
    .filter((box) => box.type === 'vttc')
    .map((box) => {
      const children = boxes(box.body);
      return { payl: text(children, 'payl'), iden: text(children, 'iden'), sttg: text(children, 'sttg') };
    });
  return { cues, boxTypes: top.map((box) => box.type) };
}

/** Parses an init segment followed by media segments with mp4box.js. */
export function parseWvtt(...parts: Buffer[]): ParsedWvtt {
  const whole = Buffer.concat(parts);
  const buffer = whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength) as MP4BoxBuffer;
  buffer.fileStart = 0;
  const file = createFile();
  const samples: ParsedSample[] = [];
  let failure: unknown;
  file.onError = (_module, message) => {
    failure = new Error(message);
  };
  file.onReady = () => {
    file.setExtractionOptions(1, undefined, { nbSamples: 10_000 });
    file.start();
  };
  file.onSamples = (_id, _user, extracted) => {
    for (const sample of extracted) {
      samples.push({
        dts: sample.dts,
        duration: sample.duration,
        isSync: sample.is_sync,
        ...parseSampleData(new Uint8Array(sample.data ?? new Uint8Array(0))),
      });
    }
  };
  file.appendBuffer(buffer);
  file.flush();
  if (failure !== undefined) throw failure;
  const trak = file.moov?.traks[0];
  if (trak === undefined) throw new Error('no track');
  const entry = trak.mdia.minf.stbl.stsd.entries[0];
  const vttC = (entry?.boxes ?? []).find((box) => box.type === 'vttC') as { text?: string } | undefined;
  const moofs = file.boxes.filter((box) => box.type === 'moof') as unknown as Array<{
    mfhd: { sequence_number: number };
    trafs: Array<{ tfdt: { baseMediaDecodeTime: number } }>;
  }>;
  return {
    codec: entry?.type ?? '',
    timescale: trak.mdia.mdhd.timescale,
    language: String(trak.mdia.mdhd.languageString ?? trak.mdia.mdhd.language),
    handler: trak.mdia.hdlr.handler,
    config: vttC?.text,
    boxTypes: file.boxes.map((box) => box.type),
    baseMediaDecodeTimes: moofs.map((moof) => moof.trafs[0]!.tfdt.baseMediaDecodeTime),
    sequenceNumbers: moofs.map((moof) => moof.mfhd.sequence_number),
    samples,
  };
}
