import protobuf from 'protobufjs';
import { REMOTE_WRITE_DESCRIPTOR } from './proto/descriptors.js';
import type { SenderMetadata, SenderMetricType, WriteRequestData, WriteSeries } from './write-series.js';

/**
 * protobufjs reflection over Prometheus' own .proto files (proto/, descriptors.ts generated from them):
 * the decoders are generated once here, the code `pbjs --target static` would have written.
 */
const root = protobuf.Root.fromJSON(REMOTE_WRITE_DESCRIPTOR);
export const WriteRequestV1 = root.lookupType('prometheus.WriteRequest');
export const RequestV2 = root.lookupType('io.prometheus.write.v2.Request');

/** protobufjs decodes int64 as a Long when the `long` package is there (it is), else as a number. */
type Int64 = number | { toNumber(): number };

const toNumber = (value: Int64 | undefined | null): number =>
  value === undefined || value === null ? 0 : typeof value === 'number' ? value : value.toNumber();

interface V1Label {
  name?: string;
  value?: string;
}
interface V1Sample {
  value?: number;
  timestamp?: Int64;
}
interface V1Series {
  labels?: V1Label[];
  samples?: V1Sample[];
  exemplars?: unknown[];
  histograms?: unknown[];
}
interface V1Metadata {
  type?: number;
  metric_family_name?: string;
  help?: string;
  unit?: string;
}
interface V1Request {
  timeseries?: V1Series[];
  metadata?: V1Metadata[];
}

// prometheus.MetricMetadata.MetricType and io.prometheus.write.v2.Metadata.MetricType share their numbers.
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

const typeOf = (n: number | undefined): SenderMetricType => TYPES[n ?? 0] ?? 'unknown';

/** Thrown for a body that is not what its headers announced, or breaks the spec; the route answers 400. */
export class MalformedRequest extends Error {
  constructor(
    readonly code: 'invalid_protobuf' | 'invalid_snappy' | 'invalid_series',
    message: string,
  ) {
    super(message);
  }
}

function decode(type: protobuf.Type, bytes: Uint8Array): unknown {
  try {
    return type.decode(bytes);
  } catch (error) {
    throw new MalformedRequest(
      'invalid_protobuf',
      `the body is not a valid ${type.fullName.slice(1)} protobuf message: ${(error as Error).message}`,
    );
  }
}

/** Remote write 1.0: prometheus.WriteRequest. */
export function decodeV1(bytes: Uint8Array): WriteRequestData {
  const request = decode(WriteRequestV1, bytes) as V1Request;
  const series: WriteSeries[] = (request.timeseries ?? []).map((ts) => ({
    labels: (ts.labels ?? []).map((l) => [l.name ?? '', l.value ?? ''] as [string, string]),
    samples: (ts.samples ?? []).map((s) => ({ value: s.value ?? 0, timestamp: toNumber(s.timestamp) })),
    histograms: ts.histograms?.length ?? 0,
    exemplars: ts.exemplars?.length ?? 0,
  }));
  const familyMetadata = new Map<string, SenderMetadata>();
  for (const m of request.metadata ?? []) {
    if (m.metric_family_name === undefined || m.metric_family_name === '') continue;
    familyMetadata.set(m.metric_family_name, {
      type: typeOf(m.type),
      help: m.help ?? '',
      unit: m.unit ?? '',
    });
  }
  return { version: '1.0', series, familyMetadata };
}

interface V2Series {
  labels_refs?: number[];
  samples?: V1Sample[];
  histograms?: unknown[];
  exemplars?: unknown[];
  metadata?: { type?: number; help_ref?: number; unit_ref?: number } | null;
}
interface V2Request {
  symbols?: string[];
  timeseries?: V2Series[];
}

/** Remote write 2.0: io.prometheus.write.v2.Request, labels and texts as references into its symbol table. */
export function decodeV2(bytes: Uint8Array): WriteRequestData {
  const request = decode(RequestV2, bytes) as V2Request;
  const symbols = request.symbols ?? [];
  if (symbols.length > 0 && symbols[0] !== '') {
    throw new MalformedRequest(
      'invalid_protobuf',
      'the symbol table must start with the empty string (2.0 spec)',
    );
  }
  const symbol = (ref: number, what: string): string => {
    const text = symbols[ref];
    if (text === undefined) {
      throw new MalformedRequest(
        'invalid_protobuf',
        `${what} refers to symbol ${String(ref)}, past the table's ${String(symbols.length)}`,
      );
    }
    return text;
  };
  const series = (request.timeseries ?? []).map((ts, index): WriteSeries => {
    const refs = ts.labels_refs ?? [];
    if (refs.length % 2 !== 0) {
      throw new MalformedRequest(
        'invalid_protobuf',
        `timeseries[${String(index)}].labels_refs has an odd length`,
      );
    }
    const labels: [string, string][] = [];
    for (let i = 0; i < refs.length; i += 2) {
      const where = `timeseries[${String(index)}].labels_refs`;
      labels.push([symbol(refs[i]!, where), symbol(refs[i + 1]!, where)]);
    }
    const meta = ts.metadata;
    const metadata: SenderMetadata | undefined =
      meta === undefined || meta === null
        ? undefined
        : {
            type: typeOf(meta.type),
            help: symbol(meta.help_ref ?? 0, `timeseries[${String(index)}].metadata.help_ref`),
            unit: symbol(meta.unit_ref ?? 0, `timeseries[${String(index)}].metadata.unit_ref`),
          };
    return {
      labels,
      samples: (ts.samples ?? []).map((s) => ({ value: s.value ?? 0, timestamp: toNumber(s.timestamp) })),
      histograms: ts.histograms?.length ?? 0,
      exemplars: ts.exemplars?.length ?? 0,
      ...(metadata === undefined ? {} : { metadata }),
    };
  });
  return { version: '2.0', series, familyMetadata: new Map() };
}
