import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Routes machines poll: a liveness or readiness probe every few seconds, a Prometheus scrape every 15 s.
 * Answered fine, they log at debug; otherwise they would be most of the log.
 */
const POLLED_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/** Why a request was refused (the error handler's problem code and field), for its one log line. */
interface Refusal {
  code: string;
  field?: string;
  detail: string;
}
const refusals = new WeakMap<FastifyRequest, Refusal>();

export function recordRefusal(request: FastifyRequest, refusal: Refusal): void {
  refusals.set(request, refusal);
}

/**
 * One log line per request, when its answer is sent (Fastify's own two, "incoming request" and "request
 * completed", are off: `disableRequestLogging`): method, route template, path, status, duration, a
 * refusal's problem code, field and detail, and, from the request's logger and the service's mixin,
 * `reqId` and `trace_id`, the fields Promtail's pipeline (deploy/promtail) reads. Levels: 5xx error
 * (the error handler also logs the stack), the rest info, except polled routes answered fine: debug.
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url ?? null;
    const level =
      status >= 500 ? 'error' : status < 400 && route !== null && POLLED_ROUTES.has(route) ? 'debug' : 'info';
    request.log[level](
      {
        method: request.method,
        route,
        // Without the query string: it can be long, and carry values nobody meant to keep in logs.
        path: request.url.split('?')[0],
        status,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...refusals.get(request),
      },
      'request completed',
    );
    done();
  });
}
