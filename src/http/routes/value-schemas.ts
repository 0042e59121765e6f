import { Type, type TLiteral, type TNumber } from '@sinclair/typebox';

const SAMPLE_VALUE = (): [TNumber, TLiteral<'NaN'>, TLiteral<'+Inf'>, TLiteral<'-Inf'>] => [
  Type.Number(),
  Type.Literal('NaN'),
  Type.Literal('+Inf'),
  Type.Literal('-Inf'),
];

/**
 * Answer fields that carry sample values: a number, or "NaN", "+Inf", "-Inf" (ADR 0008). Handlers write
 * them through toJsonValue / withJsonValues (domain/sample-value.ts): a bare NaN made the serialiser
 * throw, a 500, and an infinity came out as null.
 */
export function JsonValue(description: string) {
  return Type.Union(SAMPLE_VALUE(), { description });
}

/** JsonValue, or null for "no value". */
export function JsonValueOrNull(description = 'null: no value.') {
  return Type.Union([...SAMPLE_VALUE(), Type.Null()], { description });
}

/**
 * A [time ms, value] point. Not a Tuple: fast-json-stringify checks a tuple's items by `type` only
 * (Number.isFinite for a number), so it threw on an infinite value and could not take the texts.
 */
export function PointSchema() {
  return Type.Array(Type.Union(SAMPLE_VALUE()), {
    minItems: 2,
    maxItems: 2,
    description: '[time ms, value]; the value a number, or "NaN", "+Inf", "-Inf".',
  });
}
