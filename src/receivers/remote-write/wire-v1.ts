import { MalformedRequest } from './codec.js';
import type { KnownSeries, SeriesLabels, SeriesLabelsCache } from './series-labels-cache.js';
import type {
  KnownColumns,
  SenderMetadata,
  SenderMetricType,
  WriteRequestData,
  WriteSeries,
} from './write-series.js';

/**
 * Remote write 1.0's `prometheus.WriteRequest`, read straight from the protobuf wire format (ADR 0022):
 * the few fields the receiver uses, no intermediate message objects, no Long per timestamp. protobufjs'
 * reflected decoder (`decodeV1Reflected` in codec.ts) spent 3.5 µs a sample here, more than the whole
 * ingest after it; it stays the oracle this decoder is compared with (test/receivers/remote-write-wire.test.ts).
 *
 * Protobuf rules kept: unknown fields are skipped whatever their number, a repeated singular field's last
 * value wins, absent fields read as their defaults (0, ""), int64 timestamps read as protobufjs' Long
 * `toNumber()` does (two's complement high word times 2^32 plus the low word). A length or varint running
 * past its message, or a known field sent with another wire type, makes the whole body invalid.
 */
export function decodeWriteRequestV1(bytes: Uint8Array, cache?: SeriesLabelsCache): WriteRequestData {
  const reader = new WireReader(bytes, cache);
  const series: WriteSeries[] = [];
  const familyMetadata = new Map<string, SenderMetadata>();
  const known: KnownColumns = {
    series: [],
    values: [],
    timestamps: [],
    staleMarkers: 0,
    exemplars: 0,
    current: undefined,
  };
  while (reader.pos < bytes.length) {
    const tag = reader.varint32();
    const field = tag >>> 3;
    if (field === 1) {
      const end = reader.lengthDelimited(tag, 'timeseries');
      const labels = leadingLabels(reader, end);
      if (!readKnownSamples(reader, end, known)) series.push(readTimeSeries(reader, end, labels));
    } else if (field === 3) readMetadata(reader, reader.lengthDelimited(tag, 'metadata'), familyMetadata);
    else reader.skip(tag);
  }
  return cache === undefined
    ? { version: '1.0', series, familyMetadata }
    : { version: '1.0', series, familyMetadata, known };
}

/**
 * A known series' samples into the columns (the cache's entry of the labels just read has a label set):
 * true when the series carried nothing but samples and exemplars after its labels. Otherwise (a label
 * after the samples, a native histogram: the series needs its own WriteSeries) nothing is kept, the
 * reader is back after the labels, and false.
 */
function readKnownSamples(reader: WireReader, end: number, into: KnownColumns): boolean {
  const series = reader.known;
  if (series?.set === undefined || series.checked === undefined) return false;
  const from = reader.pos;
  const kept = into.values.length;
  const staleMarkers = into.staleMarkers;
  into.current = series;
  let exemplars = 0;
  while (reader.pos < end) {
    const tag = reader.varint32();
    const field = tag >>> 3;
    if (field === 2) readSampleInto(reader, reader.lengthDelimited(tag, 'sample', end), into);
    else if (field === 3) {
      reader.pos = reader.lengthDelimited(tag, 'exemplar', end);
      exemplars++;
    } else if (field === 1 || field === 4) {
      into.series.length = kept;
      into.values.length = kept;
      into.timestamps.length = kept;
      into.staleMarkers = staleMarkers;
      reader.pos = from;
      return false;
    } else reader.skip(tag, end);
  }
  reader.endsAt(end);
  into.exemplars += exemplars;
  return true;
}

// prometheus.MetricMetadata.MetricType, by number.
const TYPES: readonly SenderMetricType[] = [
  'unknown',
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
];

/** The rest of a series after its leading labels (`leading`, with `reader.known` their cache entry). */
function readTimeSeries(reader: WireReader, end: number, leading: SeriesLabels): WriteSeries {
  let labels = leading;
  let known = reader.known;
  // Made at the first sample, as a one-element literal: `[]` then push reserves room for 17 (most series
  // carry one sample, and allocation is most of what decoding costs on a large heap).
  let samples: { value: number; timestamp: number }[] | undefined;
  let histograms = 0;
  let exemplars = 0;
  while (reader.pos < end) {
    const tag = reader.varint32();
    switch (tag >>> 3) {
      case 1:
        // A label after the samples (no sender does it): a new array, the cached one is shared, and the
        // series is not the one the cache knows.
        labels = [...labels, readLabel(reader, reader.lengthDelimited(tag, 'label', end))];
        known = undefined;
        break;
      case 2:
        {
          const sample = readSample(reader, reader.lengthDelimited(tag, 'sample', end));
          if (samples === undefined) samples = [sample];
          else samples.push(sample);
        }
        break;
      case 3:
        reader.pos = reader.lengthDelimited(tag, 'exemplar', end);
        exemplars++;
        break;
      case 4:
        reader.pos = reader.lengthDelimited(tag, 'histogram', end);
        histograms++;
        break;
      default:
        reader.skip(tag, end);
    }
  }
  reader.endsAt(end);
  return { labels, samples: samples ?? [], histograms, exemplars, known };
}

/**
 * The labels at the start of a series (where every sender puts them), through the cache: a sender sends
 * the same series every interval, in the same order, so their bytes are first compared with those of the
 * series that came next last time, then looked up, and only then decoded again. Leaves the cache's
 * entry for them in `reader.known` (undefined without a cache, or when another series holds the entry):
 * a field, not a returned pair, which would be one more object a series.
 */
function leadingLabels(reader: WireReader, end: number): SeriesLabels {
  const start = reader.pos;
  const predicted = reader.cache?.next(reader.bytes, reader.view, start, end);
  if (predicted !== undefined) {
    reader.pos = start + predicted.bytes.byteLength;
    reader.known = predicted.series;
    return predicted.series.labels;
  }
  const stop = reader.labelFieldsEnd(end);
  reader.known = undefined;
  if (stop === start) {
    reader.cache?.forget();
    return NO_LABELS;
  }
  const cached = reader.cache?.lookup(reader.bytes, reader.view, start, stop);
  if (cached !== undefined) {
    reader.pos = stop;
    reader.known = cached;
    return cached.labels;
  }
  const labels: (readonly [string, string])[] = [];
  while (reader.pos < stop) {
    const tag = reader.varint32(stop);
    labels.push(readLabel(reader, reader.lengthDelimited(tag, 'label', stop)));
  }
  if (reader.cache === undefined) return labels;
  // Frozen once shared: later steps remember their work on a frozen array by its identity.
  Object.freeze(labels);
  reader.known = reader.cache.remember(reader.bytes, reader.view, start, stop, labels);
  return labels;
}

const NO_LABELS: SeriesLabels = Object.freeze([]);

function readLabel(reader: WireReader, end: number): [string, string] {
  let name = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.varint32();
    const field = tag >>> 3;
    if (field === 1) name = reader.string(tag, end);
    else if (field === 2) value = reader.string(tag, end);
    else reader.skip(tag, end);
  }
  reader.endsAt(end);
  return [name, value];
}

function readSample(reader: WireReader, end: number): { value: number; timestamp: number } {
  let value = 0;
  let timestamp = 0;
  while (reader.pos < end) {
    const tag = reader.varint32();
    if (tag === 0x09) value = reader.double(end);
    else if (tag === 0x10) timestamp = reader.int64(end);
    else if (tag >>> 3 === 1 || tag >>> 3 === 2) reader.wrongWireType(tag, 'sample');
    else reader.skip(tag, end);
  }
  reader.endsAt(end);
  return { value, timestamp };
}

/**
 * readSample, into the columns (no object). A staleness marker is counted, not kept: it is told by its
 * bits, which a number array does not keep (V8 stores every NaN in a double array as the same NaN).
 */
function readSampleInto(reader: WireReader, end: number, into: KnownColumns): void {
  let value = 0;
  let timestamp = 0;
  let stale = false;
  while (reader.pos < end) {
    const tag = reader.varint32();
    if (tag === 0x09) {
      value = reader.double(end);
      stale = reader.isStaleMarkerAt(reader.pos - 8);
    } else if (tag === 0x10) timestamp = reader.int64(end);
    else if (tag >>> 3 === 1 || tag >>> 3 === 2) reader.wrongWireType(tag, 'sample');
    else reader.skip(tag, end);
  }
  reader.endsAt(end);
  if (stale) {
    into.staleMarkers++;
    return;
  }
  into.values.push(value);
  into.timestamps.push(timestamp);
  into.series.push(into.current!);
}

function readMetadata(reader: WireReader, end: number, into: Map<string, SenderMetadata>): void {
  let type = 0;
  let name = '';
  let help = '';
  let unit = '';
  while (reader.pos < end) {
    const tag = reader.varint32();
    switch (tag >>> 3) {
      case 1:
        if ((tag & 7) !== 0) reader.wrongWireType(tag, 'metadata');
        // An enum is an int32 on the wire (negative ones take ten bytes): its low 32 bits, signed.
        type = reader.varint32(end) | 0;
        break;
      case 2:
        name = reader.string(tag, end);
        break;
      case 4:
        help = reader.string(tag, end);
        break;
      case 5:
        unit = reader.string(tag, end);
        break;
      default:
        reader.skip(tag, end);
    }
  }
  reader.endsAt(end);
  if (name !== '') into.set(name, { type: TYPES[type] ?? 'unknown', help, unit });
}

/** A cursor over protobuf wire data; every read checks the bounds it is given. */
class WireReader {
  pos = 0;
  /** The cache's entry for the labels leadingLabels read last. */
  known: KnownSeries | undefined = undefined;
  readonly view: DataView;
  /** The same bytes as a Buffer (no copy): its toString decodes UTF-8 in one native call per string. */
  private readonly text: Buffer;

  constructor(
    readonly bytes: Uint8Array,
    readonly cache?: SeriesLabelsCache,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A varint as an unsigned 32-bit number (tags and lengths); longer ones keep their low 32 bits. */
  varint32(end = this.bytes.length): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= end) this.truncated();
      const byte = this.bytes[this.pos++]!;
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
    }
    return this.invalid('a varint longer than ten bytes');
  }

  /**
   * Where the run of label fields (field 1, length-delimited) starting at the cursor ends, without moving
   * it; a length running past `end` ends the run there (the decode that follows reports it).
   */
  labelFieldsEnd(end: number): number {
    const bytes = this.bytes;
    let at = this.pos;
    while (at < end && bytes[at] === 0x0a) {
      let i = at + 1;
      let length = 0;
      let shift = 0;
      let byte: number;
      do {
        if (i >= end || shift > 21) return at; // truncated, or a label over 256 MB: the full decode says
        byte = bytes[i++]!;
        length |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte >= 0x80);
      if (i + length > end) return at;
      at = i + length;
    }
    return at;
  }

  /** An int64 varint as the number protobufjs' Long.toNumber() gives (exact up to 2^53). */
  int64(end: number): number {
    let low = 0;
    let high = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.truncated();
      const byte = this.bytes[this.pos++]!;
      const bits = byte & 0x7f;
      if (i < 4) low |= bits << (7 * i);
      else if (i === 4) {
        low |= bits << 28; // the low 4 bits of this byte end the low word
        high |= bits >>> 4;
      } else high |= bits << (7 * i - 32);
      if (byte < 0x80) return (high | 0) * 4294967296 + (low >>> 0);
    }
    return this.invalid('a varint longer than ten bytes');
  }

  /** Whether the 8 bytes at `at` are Prometheus' staleness marker, the NaN 0x7ff0000000000002. */
  isStaleMarkerAt(at: number): boolean {
    return this.view.getUint32(at, true) === 2 && this.view.getUint32(at + 4, true) === 0x7ff00000;
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.truncated();
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Checks the wire type of a length-delimited field and returns where its bytes end. */
  lengthDelimited(tag: number, what: string, end = this.bytes.length): number {
    if ((tag & 7) !== 2) this.wrongWireType(tag, what);
    const length = this.varint32(end);
    const stop = this.pos + length;
    if (stop > end) this.truncated();
    return stop;
  }

  string(tag: number, end: number): string {
    const stop = this.lengthDelimited(tag, 'string', end);
    const start = this.pos;
    this.pos = stop;
    return start === stop ? '' : this.text.toString('utf8', start, stop);
  }

  /** Skips a field this decoder does not read (protobuf's forward compatibility). */
  skip(tag: number, end = this.bytes.length): void {
    switch (tag & 7) {
      case 0:
        this.int64(end);
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.lengthDelimited(tag, 'field', end);
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        this.invalid(`wire type ${String(tag & 7)} (field ${String(tag >>> 3)}) is not supported`);
    }
    if (this.pos > end) this.truncated();
  }

  /** A nested message must end exactly where its length said. */
  endsAt(end: number): void {
    if (this.pos !== end) this.truncated();
  }

  wrongWireType(tag: number, what: string): never {
    return this.invalid(`field ${String(tag >>> 3)} of ${what} has wire type ${String(tag & 7)}`);
  }

  private truncated(): never {
    return this.invalid(`a field runs past the end of its message (at byte ${String(this.pos)})`);
  }

  private invalid(why: string): never {
    throw new MalformedRequest(
      'invalid_protobuf',
      `the body is not a valid prometheus.WriteRequest protobuf message: ${why}`,
    );
  }
}
