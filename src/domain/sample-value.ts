/**
 * How JSON carries the sample values it has no number for: Prometheus' own spellings (its text format and
 * its HTTP API). Every view writes a non-finite value this way; ingest reads it back. ADR 0008.
 */
export const NON_FINITE_TEXTS = ['NaN', '+Inf', '-Inf'] as const;
export type NonFiniteText = (typeof NON_FINITE_TEXTS)[number];

/** A sample value as JSON can hold it: a finite number, or one of the texts above. */
export type JsonSampleValue = number | NonFiniteText;

export function fromJsonValue(value: JsonSampleValue): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  return value === '+Inf' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

export function toJsonValue(value: number): JsonSampleValue {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** toJsonValue, with null kept ("no value"). */
export function toJsonValueOrNull(value: number | null | undefined): JsonSampleValue | null {
  return value == null ? null : toJsonValue(value);
}

/**
 * A copy of a JSON-bound document (plain objects, arrays, numbers…) with every non-finite number written
 * as toJsonValue does: for the small, nested answers (business figures, charts, socket pushes). Hot
 * paths (range query points, the summary) convert their values directly.
 */
export function withJsonValues<T>(document: T): WithJsonValues<T> {
  return convert(document) as WithJsonValues<T>;
}

/** T with every number a JsonSampleValue. */
export type WithJsonValues<T> = T extends number
  ? JsonSampleValue
  : T extends readonly (infer U)[]
    ? WithJsonValues<U>[]
    : T extends object
      ? { [K in keyof T]: WithJsonValues<T[K]> }
      : T;

function convert(document: unknown): unknown {
  if (typeof document === 'number') return toJsonValue(document);
  if (Array.isArray(document)) return document.map(convert);
  if (typeof document !== 'object' || document === null) return document;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) out[key] = convert(value);
  return out;
}

/** [time, value] points for JSON: the same array when every value is finite (the usual case). */
export function jsonPoints(points: [number, number][]): [number, JsonSampleValue][] {
  return points.every(([, value]) => Number.isFinite(value))
    ? points
    : points.map(([t, value]): [number, JsonSampleValue] => [t, toJsonValue(value)]);
}
