import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';

type SerializerFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildSerializer'];
type Factory = NonNullable<SerializerFactory>;

/**
 * Fastify's own serializer factory (fast-json-stringify), taken from where Fastify resolves it, so the
 * output is byte for byte what it would write, with the same version.
 */
const fromFastify = createRequire(import.meta.resolve('fastify'));
const defaultFactory = (
  fromFastify('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => Factory }
).SerializerSelector();

/**
 * The same serialisers, each compiled with the first answer it writes instead of when Fastify gets ready:
 * compiling every route's response schemas took 0.5 CPU-s of each start (docs/benchmarks.md, Startup) for
 * routes most starts never answer. The first answer of a route pays its compilation (milliseconds).
 */
export const lazySerializers: Factory = (externalSchemas, options) => {
  const compile = defaultFactory(externalSchemas, options);
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data) => (serialize ??= compile(route))(data);
  };
};
