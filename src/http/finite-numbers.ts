import { AjvCompiler, type Ajv, type BuildCompilerFromPool } from '@fastify/ajv-compiler';

type Schema = Record<string, unknown>;

/** Keywords the request validator adds to every number and integer schema (never shown in the OpenAPI document). */
const FINITE = 'finite';
const SAFE_INTEGER = 'safeInteger';

/**
 * Why these keywords exist: with `coerceTypes`, Ajv turns the strings "Infinity", "-Infinity" and "1e309"
 * into ±Infinity (`"Infinity" == +"Infinity"`) and never checks the type again; `minimum` and `maximum`
 * then pass, since Ajv skips them for a number that is not finite. So a JSON string reached the handlers
 * as an infinite interval, expiry or limit. These keywords run after the coercion and refuse it.
 */
function addFiniteKeywords(ajv: Ajv): Ajv {
  ajv.addKeyword({
    keyword: FINITE,
    schemaType: 'boolean',
    errors: false,
    error: { message: 'must be a finite number' },
    validate: (_enabled: boolean, data: unknown) => typeof data !== 'number' || Number.isFinite(data),
  });
  ajv.addKeyword({
    keyword: SAFE_INTEGER,
    schemaType: 'boolean',
    errors: false,
    error: { message: `must be a safe integer (at most ${Number.MAX_SAFE_INTEGER} either side of 0)` },
    // Beyond 2^53 an integer is no longer exact: ids and counts would silently change.
    validate: (_enabled: boolean, data: unknown) => typeof data !== 'number' || Number.isSafeInteger(data),
  });
  return ajv;
}

/** Keywords whose value is a schema, a list of schemas or a map of schemas (never data, unlike `default`). */
const ONE_SCHEMA = [
  'additionalProperties',
  'items',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
];
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems', 'items'];
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

/** A copy of a request schema in which every number must be finite and every integer safe. */
export function withFiniteNumbers(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const out: Schema = { ...(schema as Schema) };
  const types = ([] as unknown[]).concat(out.type ?? []);
  if (types.includes('integer') || types.includes('number')) out[FINITE] = true;
  if (types.includes('integer')) out[SAFE_INTEGER] = true;
  for (const key of ONE_SCHEMA)
    if (key in out && !Array.isArray(out[key])) out[key] = withFiniteNumbers(out[key]);
  for (const key of SCHEMA_LISTS)
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(withFiniteNumbers);
  for (const key of SCHEMA_MAPS) {
    const map = out[key];
    if (typeof map === 'object' && map !== null) {
      out[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, withFiniteNumbers(sub)]));
    }
  }
  return out;
}

/**
 * Fastify's own validator factory (@fastify/ajv-compiler), with the keywords above and every route's
 * body, query string, params and headers schema passed through withFiniteNumbers. Query strings still
 * coerce "42" to 42 (they can only be strings); JSON bodies keep coercing a finite numeric string too,
 * as they always did, but nothing but a finite number reaches a handler.
 */
export function finiteNumbersValidator(): BuildCompilerFromPool {
  const fromPool = AjvCompiler();
  return (externalSchemas, options) => {
    const shared = Object.fromEntries(
      Object.entries(externalSchemas).map(([id, schema]) => [id, withFiniteNumbers(schema) as Schema]),
    );
    const compile = fromPool(shared, {
      ...options,
      plugins: [...(options?.plugins ?? []), addFiniteKeywords],
    });
    return (route: unknown) => {
      const definition = route as { schema: unknown };
      const build = () => compile({ ...definition, schema: withFiniteNumbers(definition.schema) });
      // Fastify only calls the validator and reads its `errors`; the rest of Ajv's function type is unused.
      return lazyValidator(build) as unknown as ReturnType<typeof build>;
    };
  };
}

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

/**
 * A validator compiled on the first request it checks instead of when Fastify gets ready: compiling every
 * route's schemas took about a third of a start's CPU (docs/benchmarks.md, Startup) for routes most starts
 * never see. Fastify reads the errors from the function it was given, so they are copied onto it. A schema
 * Ajv cannot compile now fails its route's first request instead of the start; the property test
 * (test/security/fuzz.test.ts) sends a request to every route of the OpenAPI document, so it finds one.
 */
function lazyValidator(compile: () => unknown): Validate {
  let validate: Validate | undefined;
  const lazy: Validate = (data) => {
    validate ??= compile() as Validate;
    const result = validate(data);
    lazy.errors = validate.errors;
    return result;
  };
  return lazy;
}
