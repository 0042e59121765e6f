import { compress } from 'snappyjs';
import { RequestV2, WriteRequestV1 } from '../../src/receivers/remote-write/codec.js';

/** A series as tests write it: `__name__` and the other labels in one object, sorted when encoded. */
export interface TestSeries {
  labels: Record<string, string>;
  samples: { value: number; timestamp: number }[];
  histograms?: number;
}

const sortedPairs = (labels: Record<string, string>): [string, string][] =>
  Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** prometheus.WriteRequest bytes (not compressed); labels as given when `raw` is set (for bad-input tests). */
export function encodeV1(
  series: TestSeries[],
  metadata: { metric_family_name: string; type: number; help?: string; unit?: string }[] = [],
  raw = false,
): Uint8Array {
  const message = WriteRequestV1.fromObject({
    timeseries: series.map((s) => ({
      labels: (raw ? Object.entries(s.labels) : sortedPairs(s.labels)).map(([name, value]) => ({
        name,
        value,
      })),
      samples: s.samples,
      histograms: Array.from({ length: s.histograms ?? 0 }, () => ({ count_int: 1, sum: 1, schema: 0 })),
    })),
    metadata,
  });
  return WriteRequestV1.encode(message).finish();
}

/** io.prometheus.write.v2.Request bytes, with its symbol table built as the spec says ("" first). */
export function encodeV2(
  series: (TestSeries & { metadata?: { type: number; help?: string; unit?: string }; exemplars?: number })[],
): Uint8Array {
  const symbols = [''];
  const ref = (text: string): number => {
    const at = symbols.indexOf(text);
    if (at >= 0) return at;
    symbols.push(text);
    return symbols.length - 1;
  };
  const timeseries = series.map((s) => ({
    labels_refs: sortedPairs(s.labels).flatMap(([name, value]) => [ref(name), ref(value)]),
    samples: s.samples,
    histograms: Array.from({ length: s.histograms ?? 0 }, () => ({ count_int: 1, sum: 1, schema: 0 })),
    exemplars: Array.from({ length: s.exemplars ?? 0 }, () => ({ value: 1, timestamp: Date.now() })),
    ...(s.metadata === undefined
      ? {}
      : {
          metadata: {
            type: s.metadata.type,
            help_ref: ref(s.metadata.help ?? ''),
            unit_ref: ref(s.metadata.unit ?? ''),
          },
        }),
  }));
  return RequestV2.encode(RequestV2.fromObject({ symbols, timeseries })).finish();
}

export const snappy = (bytes: Uint8Array): Buffer => Buffer.from(compress(bytes));

export const V1_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
} as const;

export const V2_HEADERS = {
  'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '2.0.0',
} as const;

/** Prometheus' staleness marker, the NaN with payload 2. */
export const STALE_NAN = new DataView(new Uint8Array([0x7f, 0xf0, 0, 0, 0, 0, 0, 2]).buffer).getFloat64(0);

/** MetricMetadata.MetricType numbers (the same in both versions). */
export const TYPE = { counter: 1, gauge: 2, histogram: 3, summary: 5 } as const;
