// A Fastify backend with /metrics in one line (ESM). Register the plugin before the routes.
//   PORT=4002 node examples/fastify-app.mjs
import Fastify from 'fastify';
import { metricsPlugin } from '@metrics-service/client/fastify';

const app = Fastify();
await app.register(metricsPlugin, { prefix: 'tickets_' });

app.get('/tickets/:id', async (request) => ({ id: request.params.id }));
app.get('/fail', async () => {
  throw new Error('always fails');
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 4002) });
console.log(`listening ${app.server.address().port}`);
process.on('SIGTERM', () => void app.close());
