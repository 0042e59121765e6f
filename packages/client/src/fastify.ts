import type { FastifyInstance, FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import { prepareMetrics, type MetricsOptions } from './options.js';
import type { HttpRecorder } from './http-recorder.js';
import { bindServer, EXCLUDED_ROUTE, stampRoute } from './http-channels.js';

export type { MetricsOptions } from './options.js';

/**
 * Timing and counting happen in Node's HTTP diagnostics channels (http-channels.ts) for every request of
 * this app's server; a route-level onRequest hook, added to each route as it is declared, stamps the
 * matched template (before parsing and validation, so a 400 is counted under its route). Requests no
 * route matched are counted as `__unmatched__`. Routes declared before this runs are not seen: register
 * the plugin first.
 */
export function instrumentFastify(
  app: FastifyInstance,
  recorder: HttpRecorder,
  excluded: ReadonlySet<string>,
): void {
  bindServer(app.server, { recorder, excluded });
  app.addHook('onRoute', (route) => {
    const template = excluded.has(route.url) ? EXCLUDED_ROUTE : route.url;
    const stamp: onRequestHookHandler = (request, _reply, done) => {
      stampRoute(request.raw, template);
      done();
    };
    const existing = route.onRequest;
    route.onRequest =
      existing === undefined ? [stamp] : [...(Array.isArray(existing) ? existing : [existing]), stamp];
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
 *
 * Marked by hand the way fastify-plugin marks a plugin (the hidden `skip-override` property of Fastify's
 * plugin reference, and the `plugin-meta` it reads for the version check and the plugin's name), so
 * this package needs nothing at run time but prom-client.
 */
export const metricsPlugin: FastifyPluginAsync<MetricsOptions> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'metrics-service',
  [Symbol.for('plugin-meta')]: { fastify: '5.x', name: 'metrics-service' },
});
export default metricsPlugin;
