// The middleware benchmark's hello-world server in plain JavaScript on the built client package
// (packages/client/dist), for runs under valgrind: the tsx loader runs in its own thread, whose work
// callgrind would count too.
//   node bench/middleware-plain-server.mjs <express|fastify> <bare|noop|http-only|ours>
// `noop`: an empty middleware (the floor any middleware pays).
import express from 'express';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { metricsMiddleware } from '@metrics-service/client/express';
import { metricsPlugin } from '@metrics-service/client/fastify';

const [framework, variant] = process.argv.slice(2);
const options = { registry: new Registry(), defaultMetrics: variant === 'ours' };
const instrumented = variant === 'http-only' || variant === 'ours';
const hello = { hello: 'world' };
process.on('SIGINT', () => process.exit(0));

if (framework === 'express') {
  const app = express();
  app.set('etag', false);
  if (instrumented) app.use(metricsMiddleware(options));
  if (variant === 'noop') app.use((_req, _res, next) => next());
  app.get('/hello/:id', (_req, res) => {
    res.json(hello);
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${String(server.address().port)}\n`);
  });
} else {
  const app = Fastify();
  if (instrumented) await app.register(metricsPlugin, options);
  if (variant === 'noop') app.addHook('onRequest', (_request, _reply, done) => done());
  app.get('/hello/:id', () => hello);
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`listening ${String(app.server.address().port)}\n`);
}
