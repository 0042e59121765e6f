import protobuf from 'protobufjs';
import { OTLP_DESCRIPTOR } from './descriptor.js';

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR);
const RequestType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
const ResponseType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
const StatusType = root.lookupType('google.rpc.Status');
const ErrorInfoType = root.lookupType('google.rpc.ErrorInfo');

/** The two encodings of OTLP/HTTP; the answer is always in the request's. */
export type OtlpEncoding = 'protobuf' | 'json';

/**
 * An int64 or uint64 as protobufjs gives it (a Long when the `long` package is installed, a number
 * otherwise) or as OTLP/JSON writes it (a decimal string).
 */
export type Int64 = number | string | { low: number; high: number; unsigned: boolean };

/** The request as decoded; only what the translation reads is typed. Oneofs read through `data`/`value`. */
export interface OtlpRequest {
  resourceMetrics: OtlpResourceMetrics[];
}
export interface OtlpResourceMetrics {
  resource?: { attributes: OtlpKeyValue[] } | null;
  scopeMetrics: OtlpScopeMetrics[];
}
export interface OtlpScopeMetrics {
  scope?: { name: string; version: string } | null;
  metrics: OtlpMetric[];
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | null;
}
export interface OtlpAnyValue {
  value?:
    'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  stringValue: string;
  boolValue: boolean;
  intValue: Int64;
  doubleValue: number;
  arrayValue?: { values: OtlpAnyValue[] } | null;
  kvlistValue?: { values: OtlpKeyValue[] } | null;
  bytesValue: Uint8Array;
}
export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  data?: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  gauge?: { dataPoints: OtlpNumberPoint[] } | null;
  sum?: { dataPoints: OtlpNumberPoint[]; aggregationTemporality: number; isMonotonic: boolean } | null;
  histogram?: { dataPoints: OtlpHistogramPoint[]; aggregationTemporality: number } | null;
  exponentialHistogram?: { dataPoints: OtlpExponentialPoint[]; aggregationTemporality: number } | null;
  summary?: { dataPoints: unknown[] } | null;
}
export interface OtlpPointBase {
  attributes: OtlpKeyValue[];
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  flags: number;
}
export interface OtlpNumberPoint extends OtlpPointBase {
  value?: 'asDouble' | 'asInt';
  asDouble: number;
  asInt: Int64;
}
export interface OtlpHistogramPoint extends OtlpPointBase {
  count: Int64;
  /** proto3 `optional`: absent when the observations may be negative. */
  sum?: number | null;
  bucketCounts: Int64[];
  explicitBounds: number[];
}
export interface OtlpExponentialPoint extends OtlpPointBase {
  count: Int64;
  sum?: number | null;
  scale: number;
  zeroCount: Int64;
  zeroThreshold: number;
  positive?: { offset: number; bucketCounts: Int64[] } | null;
  negative?: { offset: number; bucketCounts: Int64[] } | null;
}

/** The body could not be read as an ExportMetricsServiceRequest: a 400, never retried. */
export class UndecodableBody extends Error {}

/**
 * Decodes a request body. JSON goes through the message type's `fromObject`, so both encodings come out
 * as the same messages: OTLP/JSON's int64 strings, enum names or numbers and "NaN"/"Infinity" doubles are
 * what protobuf's JSON mapping accepts, and a value of the wrong shape is refused with the field named.
 */
export function decodeRequest(body: Buffer, encoding: OtlpEncoding): OtlpRequest {
  try {
    if (encoding === 'protobuf') return RequestType.decode(body) as unknown as OtlpRequest;
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('the body must be a JSON object (ExportMetricsServiceRequest)');
    }
    return RequestType.fromObject(parsed) as unknown as OtlpRequest;
  } catch (error) {
    throw new UndecodableBody(
      `not an OTLP ExportMetricsServiceRequest in ${encoding === 'json' ? 'JSON' : 'protobuf'}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/** ExportMetricsServiceResponse; `partial_success` only when some points were refused, as OTLP says. */
export function encodeResponse(
  encoding: OtlpEncoding,
  partial?: { rejectedDataPoints: number; errorMessage: string },
): Buffer | string {
  if (encoding === 'json') {
    // int64 as a string, as OTLP/JSON writes it.
    return JSON.stringify(
      partial === undefined
        ? {}
        : {
            partialSuccess: {
              rejectedDataPoints: String(partial.rejectedDataPoints),
              errorMessage: partial.errorMessage,
            },
          },
    );
  }
  const body = partial === undefined ? {} : { partialSuccess: partial };
  return Buffer.from(ResponseType.encode(ResponseType.fromObject(body)).finish());
}

/** The domain of the ErrorInfo detail that carries the service's stable error code. */
export const ERROR_DOMAIN = 'metrics-service';

/**
 * A google.rpc.Status, what OTLP/HTTP answers on failure, carrying the service's stable code and the field
 * at fault in a google.rpc.ErrorInfo detail (reason = code), so clients can branch as on problem+json.
 */
export function encodeStatus(
  encoding: OtlpEncoding,
  grpcCode: number,
  message: string,
  code: string,
  field?: string,
): Buffer | string {
  const metadata: Record<string, string> = field === undefined ? {} : { field };
  const info = { reason: code, domain: ERROR_DOMAIN, metadata };
  if (encoding === 'json') {
    return JSON.stringify({
      code: grpcCode,
      message,
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', ...info }],
    });
  }
  const detail = {
    type_url: 'type.googleapis.com/google.rpc.ErrorInfo',
    value: ErrorInfoType.encode(ErrorInfoType.fromObject(info)).finish(),
  };
  return Buffer.from(
    StatusType.encode(StatusType.fromObject({ code: grpcCode, message, details: [detail] })).finish(),
  );
}

/** For tests and clients of this module: reads an answer back. */
export function decodeAnswer(kind: 'response' | 'status', body: Buffer): Record<string, unknown> {
  const type = kind === 'response' ? ResponseType : StatusType;
  return type.toObject(type.decode(body), { longs: Number, defaults: false });
}

/** Encodes a request (tests and the benchmark build protobuf bodies with it). */
export function encodeRequest(request: Record<string, unknown>): Buffer {
  return Buffer.from(RequestType.encode(RequestType.fromObject(request)).finish());
}
