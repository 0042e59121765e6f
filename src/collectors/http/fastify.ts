import type { FastifyInstance, FastifyPluginAsync, onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { prepareMetrics, type MetricsOptions } from './options.js';
import type { HttpRecorder } from './http-recorder.js';

export type { MetricsOptions } from './options.js';

/**
 * Fastify already times every request (`reply.elapsedTime`). The route template is baked into one
 * onResponse hook per route as the route is declared, because reading `request.routeOptions` at response
 * time builds a dozen-field object per request (that getter alone cost 4 % of a hello-world's throughput).
 * A root hook counts only the requests no route matched. Routes declared before this runs are not seen:
 * register the plugin first.
 */
export function instrumentFastify(
  app: FastifyInstance,
  recorder: HttpRecorder,
  excluded: ReadonlySet<string>,
): void {
  app.addHook('onRoute', (route) => {
    const template = route.url;
    if (excluded.has(template)) return;
    const hook: onResponseHookHandler = (request, reply, done) => {
      recorder.record(request.method, template, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    const existing = route.onResponse;
    route.onResponse =
      existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) recorder.record(request.method, undefined, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

const plugin: FastifyPluginAsync<MetricsOptions> = (app, options) => {
  const { recorder, registry, path, excluded } = prepareMetrics(options);
  instrumentFastify(app, recorder, excluded);
  if (path !== false) {
    app.get(path, async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  }
  return Promise.resolve();
};

/**
 * `await app.register(metricsPlugin, { prefix: 'tumulte_' })`: serves `/metrics` and counts every request
 * of the whole app (the plugin is not encapsulated) by method, route template and status.
 */
export const metricsPlugin = fp(plugin, { fastify: '5.x', name: 'metrics-service' });
export default metricsPlugin;
