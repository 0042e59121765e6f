import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's security headers on every answer, set when the request arrives (as @fastify/helmet does, so an
 * error or a 404 carries them too). The middleware is built once here: @fastify/helmet calls `helmet(options)`
 * again on every request, which re-validates the options and rebuilds the Content-Security-Policy string
 * (its `parseDirectives` and `dashify` showed in the ingest profile). No per-route helmet options and no
 * CSP nonces are used in this service, so one middleware serves every route with the same headers.
 */
export function installSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const setHeaders = helmet(options);
  app.addHook('onRequest', (request, reply, done) => {
    // Helmet hands `next` an Error or nothing (typed `unknown`), as Fastify's `done` takes.
    setHeaders(request.raw, reply.raw, done as (error?: unknown) => void);
  });
}
