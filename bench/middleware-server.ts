/**
 * A hello-world server for the middleware benchmark, started as a child process:
 *   node --import tsx bench/middleware-server.ts <express|fastify> <bare|ours|peer|noop|http-only>
 * Prints `listening <port>` once ready. `control` is `bare` again: the noise floor of the comparison.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import promBundle from 'express-prom-bundle';
import Fastify from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import { Registry } from 'prom-client';
import { metricsMiddleware } from '@metrics-service/client/express';
import { metricsPlugin } from '@metrics-service/client/fastify';

const [framework, variant] = process.argv.slice(2);
// The benchmark asks for this process' CPU time around each run (IPC), to get the cost per request.
process.on('SIGINT', () => process.exit(0)); // a normal exit, so --cpu-prof writes its profile
process.on('message', () => {
  const { user, system } = process.cpuUsage();
  process.send?.({ cpuMicros: user + system });
});
const hello = { hello: 'world' };

if (framework === 'express') {
  const app = express();
  app.set('etag', false);
  if (variant === 'ours') app.use(metricsMiddleware({ registry: new Registry() }));
  if (variant === 'http-only')
    app.use(metricsMiddleware({ registry: new Registry(), defaultMetrics: false }));
  if (variant === 'noop')
    app.use((_req, _res, next) => {
      next();
    });
  if (variant === 'peer')
    app.use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true }));
  app.get('/hello/:id', (_req, res) => {
    res.json(hello);
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${String((server.address() as AddressInfo).port)}\n`);
  });
} else {
  const app = Fastify();
  if (variant === 'ours') await app.register(metricsPlugin, { registry: new Registry() });
  if (variant === 'http-only')
    await app.register(metricsPlugin, { registry: new Registry(), defaultMetrics: false });
  if (variant === 'noop')
    app.addHook('onRequest', (_request, _reply, done) => {
      done();
    });
  if (variant === 'peer') await app.register(fastifyMetrics as never, { endpoint: '/metrics' });

  app.get('/hello/:id', () => hello);
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`listening ${String((app.server.address() as AddressInfo).port)}\n`);
}
