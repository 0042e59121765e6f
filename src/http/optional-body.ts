import type { FastifyInstance, FastifyRequest, RouteOptions, preValidationHookHandler } from 'fastify';

/**
 * A body schema that requires nothing: an object schema without required properties nor a minimum
 * count of them (acknowledge, resolve, a forced health check). Unions and anything else are not: their empty body means
 * nothing obvious.
 */
export function requiresNothing(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const { type, required, minProperties } = schema as {
    type?: unknown;
    required?: unknown;
    minProperties?: unknown;
  };
  return (
    type === 'object' &&
    (required === undefined || (Array.isArray(required) && required.length === 0)) &&
    (minProperties === undefined || minProperties === 0)
  );
}

const bodyIsOptional = (request: FastifyRequest): boolean =>
  requiresNothing(request.routeOptions.schema?.body);

/** No body at all stands for `{}`: the schema then validates it, and handlers never see undefined. */
const emptyBodyIsEmptyObject: preValidationHookHandler = (request, _reply, done) => {
  if (request.body === undefined) request.body = {};
  done();
};

/**
 * Routes whose body requires nothing accept no body at all, as `curl -X POST …/acknowledge` sends it,
 * with or without `Content-Type: application/json` (Fastify's JSON parser refuses an empty document,
 * and the schema refuses a missing one). Every other route keeps refusing an empty JSON body (400
 * invalid_json): there it is a client mistake worth naming. Install before any route is declared.
 */
export function installOptionalBodies(app: FastifyInstance): void {
  // Fastify's own parser, with the app's rules for `__proto__` and `constructor.prototype` keys.
  const { onProtoPoisoning, onConstructorPoisoning } = app.initialConfig;
  const json = app.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && bodyIsOptional(request)) {
      done(null, undefined);
      return;
    }
    void json(request, body as string, done); // parseAs: 'string'; it answers through done
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!requiresNothing(route.schema?.body)) return;
    const existing = route.preValidation;
    route.preValidation = [
      emptyBodyIsEmptyObject,
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
    ];
  });
}
