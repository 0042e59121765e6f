import type { TObject, TUnion } from '@sinclair/typebox';

/**
 * `union` as a `oneOf` with a `discriminator` on `property` (Ajv's `discriminator` option, OpenAPI's
 * keyword): a refused body names the field of the shape its `property` selected ("daysOfMonth/0 must be
 * <= 31"), where a plain `anyOf` reports the first shape's first error. The static type stays the
 * union's, so route handlers see the same TypeScript type (the type provider reads only that).
 */
export function discriminatedUnion<T extends TUnion<TObject[]>>(union: T, property: string): T {
  const { anyOf, ...rest } = union;
  return {
    ...rest,
    type: 'object',
    required: [property],
    discriminator: { propertyName: property },
    oneOf: anyOf,
  } as unknown as T;
}
