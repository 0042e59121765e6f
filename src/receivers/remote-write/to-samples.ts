import { rejection, type Rejection } from '../../domain/errors.js';
import type { MetricType } from '../../domain/metric.js';
import type { IngestSample } from '../../ingest/sample-schema.js';
import type { LabelSetView } from '../../tsdb/read-port.js';
import type { KnownSeries } from './series-labels-cache.js';
import { MalformedRequest } from './codec.js';
import type { KnownColumns, SenderMetadata, WriteSeries } from './write-series.js';

/** What a request turns into: the samples to ingest, each with the series it came from. */
export interface Translated {
  /** Samples of series not known yet (or whose cache entry has no label set yet). */
  samples: IngestSample[];
  /** Parallel to `samples`: the cache's entry of the series, which learns the set the sample went to. */
  sampleSeries: (KnownSeries | undefined)[];
  /** Samples of series whose label set an earlier request resolved (see KnownBatch). */
  known: KnownSamples;
  /** Staleness markers skipped (see isStaleMarker). */
  staleMarkers: number;
  /** What was refused before ingest: native histograms, samples for a family of the service's own kind. */
  refused: RefusedSeries[];
  exemplars: number;
}

/** The known samples as columns (KnownBatch's), with the series each came from. */
export interface KnownSamples {
  sets: LabelSetView[];
  values: number[];
  timestamps: number[];
  help: (string | undefined)[];
  unit: (string | undefined)[];
  series: KnownSeries[];
  /** Known sample i as a new sample (its set is no longer current): see KnownBatch.asSample. */
  asSample: (i: number) => IngestSample | Rejection;
}

export interface RefusedSeries {
  series: string;
  code: 'native_histogram_unsupported' | 'metric_type_conflict';
  reason: string;
  count: number;
}

export interface TranslateContext {
  /** The type of an already stored family, which wins over anything the sender says. */
  existingType: (name: string) => MetricType | undefined;
  /** Metadata for a series name when the request did not carry it (1.0: the cache). */
  metadataFor: (seriesName: string) => SenderMetadata | undefined;
}

const MAX_HELP = 1024;
/** Shared by every counter sample: a sender's counters are running totals (see CumulativeState). */
const COUNTER_TOTAL = Object.freeze({ kind: 'counter-total' as const });
const UNIT = /^[a-zA-Z0-9_]{0,64}$/;

/**
 * Checks the series as the spec wants them (a `__name__`, label names unique, sorted, not empty, values not
 * empty) and turns their float samples into ingest samples. A series breaking the spec refuses the whole
 * request before anything is stored: such a sender is broken, and a partial write would hide it.
 * A series the decoder's cache knows, with the label set its last sample went to, is checked once (its
 * label bytes are the same) and its samples become columns of `known`, not IngestSample objects.
 */
export function toSamples(
  series: readonly WriteSeries[],
  ctx: TranslateContext,
  columns?: KnownColumns,
): Translated {
  const known: KnownSamples = {
    sets: [],
    values: [],
    timestamps: [],
    help: [],
    unit: [],
    series: [],
    asSample: (i) => asNewSample(known.series[i]!, known.values[i]!, known.timestamps[i]!, ctx),
  };
  const out: Translated = {
    samples: [],
    sampleSeries: [],
    known,
    staleMarkers: 0,
    refused: [],
    exemplars: 0,
  };
  /**
   * A request carries many series of each name (a sender batches a scrape), and what a name is stored as
   * depends on the name only, unless the series brings its own metadata (2.0) or its type hangs on an `le`
   * label (`_bucket`): worked out once per name and request, not per series.
   */
  const byName = new Map<string, Stored>();
  const describe = (ts: WriteSeries, name: string, labels: Readonly<Record<string, string>>): Stored => {
    const shared = ts.metadata === undefined && !name.endsWith('_bucket');
    const cached = shared ? byName.get(name) : undefined;
    if (cached !== undefined) return cached;
    const stored = storedAs(name, labels, ts.metadata ?? ctx.metadataFor(name), ctx);
    if (shared) byName.set(name, stored);
    return stored;
  };
  /** A known series' HELP and unit (its type is its set's): by name, once per request. */
  const descriptions = new Map<string, Description>();
  const description = (name: string): Description => {
    let found = descriptions.get(name);
    if (found === undefined) {
      found = describedBy(ctx.metadataFor(name));
      descriptions.set(name, found);
    }
    return found;
  };
  if (columns !== undefined) {
    out.exemplars += columns.exemplars;
    takeKnown(columns, known, out, description);
  }
  series.forEach((ts, index) => {
    const { name, labels } = checkedLabels(ts, index);
    out.exemplars += ts.exemplars;
    if (ts.histograms > 0) {
      out.refused.push({
        series: name,
        code: 'native_histogram_unsupported',
        count: ts.histograms,
        reason:
          'native histograms are not stored: have the sender send classic histograms (remote_write send_native_histograms: false, scrape without --enable-feature=native-histograms)',
      });
    }
    if (ts.samples.length === 0) return;
    const set = ts.known?.set;
    if (set !== undefined && ts.metadata === undefined) {
      const { help, unit } = description(name);
      for (const sample of ts.samples) {
        if (isStaleMarker(sample.value)) {
          out.staleMarkers++;
          continue;
        }
        known.sets.push(set);
        known.values.push(sample.value);
        known.timestamps.push(sample.timestamp);
        known.help.push(help);
        known.unit.push(unit);
        known.series.push(ts.known!);
      }
      return;
    }
    const stored = describe(ts, name, labels);
    if (stored.type === 'histogram') {
      out.refused.push({
        series: name,
        code: 'metric_type_conflict',
        count: ts.samples.length,
        reason: histogramConflict(name),
      });
      return;
    }
    for (const sample of ts.samples) {
      if (isStaleMarker(sample.value)) {
        out.staleMarkers++;
        continue;
      }
      out.samples.push(ingestSample(name, labels, sample.value, sample.timestamp, stored));
      out.sampleSeries.push(ts.known);
    }
  });
  return out;
}

/**
 * The decoder's known samples into `known` (empty so far): its columns as they are (the decoder skipped
 * the staleness markers), with the label set and description of each sample's series beside them.
 */
function takeKnown(
  columns: KnownColumns,
  known: KnownSamples,
  out: Translated,
  description: (name: string) => Description,
): void {
  known.values = columns.values;
  known.timestamps = columns.timestamps;
  known.series = columns.series;
  for (const one of columns.series) {
    const { help, unit } = description(one.checked!.name);
    known.sets.push(one.set!);
    known.help.push(help);
    known.unit.push(unit);
  }
  out.staleMarkers += columns.staleMarkers;
}

function histogramConflict(name: string): string {
  return `"${name}" is a histogram of this service (sent as JSON observations); a remote-written series cannot write into it`;
}

/** One shape for every sample (absent fields undefined): the ingest path then reads them monomorphically. */
function ingestSample(
  name: string,
  labels: Readonly<Record<string, string>>,
  value: number,
  timestamp: number,
  stored: Stored,
): IngestSample {
  return {
    name,
    labels,
    value,
    timestamp,
    type: stored.type,
    asSent: true,
    help: stored.help,
    unit: stored.unit,
    cumulative: stored.type === 'counter' ? COUNTER_TOTAL : undefined,
  };
}

/**
 * A known sample whose set is gone, as toSamples would have turned it had the series not been known:
 * asked under the write lock, so the family's type is read as it is now (it may have been re-created).
 */
function asNewSample(series: KnownSeries, value: number, timestamp: number, ctx: TranslateContext) {
  const { name, labels } = series.checked!;
  const stored = storedAs(name, labels, ctx.metadataFor(name), ctx);
  if (stored.type === 'histogram') return rejection('metric_type_conflict', histogramConflict(name), 'type');
  return ingestSample(name, labels, value, timestamp, stored);
}

function storedAs(
  name: string,
  labels: Readonly<Record<string, string>>,
  metadata: SenderMetadata | undefined,
  ctx: TranslateContext,
): Stored {
  return { type: storedType(name, labels, metadata, ctx.existingType(name)), ...describedBy(metadata) };
}

interface Description {
  help?: string;
  unit?: string;
}

interface Stored extends Description {
  type: MetricType;
}

interface CheckedLabels {
  name: string;
  labels: Record<string, string>;
}

/**
 * The series' labels checked and as a record, once per series the decoder's cache knows (the same label
 * bytes): kept on its entry, frozen, since every sample of that series in later requests carries it.
 */
function checkedLabels(ts: WriteSeries, index: number): CheckedLabels {
  const known = ts.known;
  if (known?.checked !== undefined) return known.checked;
  const checked = checkLabels(ts, index);
  if (known !== undefined) {
    Object.freeze(checked.labels);
    known.checked = checked;
  }
  return checked;
}

function checkLabels(ts: WriteSeries, index: number): CheckedLabels {
  const where = `timeseries[${String(index)}]`;
  let name: string | undefined;
  const labels: Record<string, string> = {};
  let previous: string | undefined;
  for (const [label, value] of ts.labels) {
    if (label === '') throw new MalformedRequest('invalid_series', `${where} has a label with an empty name`);
    if (previous !== undefined && label <= previous) {
      throw new MalformedRequest(
        'invalid_series',
        label === previous
          ? `${where} repeats the label "${label}"`
          : `${where}'s labels are not sorted by name ("${label}" after "${previous}"), as the spec requires`,
      );
    }
    previous = label;
    if (value === '') {
      throw new MalformedRequest(
        'invalid_series',
        `${where}'s label "${label}" has an empty value (omit it instead)`,
      );
    }
    if (label === '__name__') name = value;
    else labels[label] = value;
  }
  if (name === undefined) throw new MalformedRequest('invalid_series', `${where} has no __name__ label`);
  return { name, labels };
}

/**
 * The type a series is stored as. The sender's series are kept flat, with their own names: a classic
 * histogram's `x_bucket{le}`, `x_sum`, `x_count` are three families, as the sender had them (ADR 0016).
 * Cumulative counts (counters, histogram and summary `_bucket` / `_count`) are counters holding the
 * sender's totals; everything else a gauge. Without metadata (1.0 sends it apart, later), Prometheus'
 * naming conventions decide: `_total`, and `_bucket` with an `le` label, are counters.
 * A counter's samples are named `<family>_total` in OpenMetrics and PromQL, so a cumulative series whose
 * name does not end in `_total` (`x_bucket`, `x_count`) is stored as a gauge: it keeps the sender's name
 * in every view and `histogram_quantile(…, rate(x_bucket[5m]))` finds it (rate() does not need the type).
 */
export function storedType(
  name: string,
  labels: Readonly<Record<string, string>>,
  metadata: SenderMetadata | undefined,
  existing: MetricType | undefined,
): MetricType {
  if (existing !== undefined) return existing;
  const type = typeBySender(name, labels, metadata);
  return type === 'counter' && !name.endsWith('_total') ? 'gauge' : type;
}

function typeBySender(
  name: string,
  labels: Readonly<Record<string, string>>,
  metadata: SenderMetadata | undefined,
): MetricType {
  const cumulativePart = name.endsWith('_count') || (name.endsWith('_bucket') && 'le' in labels);
  switch (metadata?.type) {
    case 'counter':
      return 'counter';
    case 'histogram':
    case 'summary':
      return cumulativePart ? 'counter' : 'gauge';
    case 'gauge':
    case 'gaugehistogram':
    case 'info':
    case 'stateset':
      return 'gauge';
    case 'unknown':
    case undefined:
      return name.endsWith('_total') || (name.endsWith('_bucket') && 'le' in labels) ? 'counter' : 'gauge';
  }
}

const UNDESCRIBED = Object.freeze({ help: undefined, unit: undefined });

function describedBy(metadata: SenderMetadata | undefined): Description {
  if (metadata === undefined) return UNDESCRIBED;
  return {
    help: metadata.help === '' ? undefined : metadata.help.slice(0, MAX_HELP),
    unit: metadata.unit !== '' && UNIT.test(metadata.unit) ? metadata.unit : undefined,
  };
}

const bits = new DataView(new ArrayBuffer(8));

/** Prometheus' staleness marker: the NaN 0x7ff0000000000002, which says "this series ended". */
export function isStaleMarker(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  bits.setFloat64(0, value);
  return bits.getUint32(0) === 0x7ff00000 && bits.getUint32(4) === 2;
}
