// An Express backend with the seeds' /metrics in one line (ESM).
//   PORT=4001 node examples/express-app.mjs
// With METRICS_SERVICE_URL set, it also pushes a business metric per booking to metrics-service, with
// METRICS_SERVICE_TOKEN (an API token with the `ingest` scope) as its credential.
import express from 'express';
import { metricsMiddleware } from '@metrics-service/client/express';
import { MetricsClient } from '@metrics-service/client/push';

const app = express();
app.use(metricsMiddleware({ prefix: 'shop_', excludeRoutes: ['/health'] }));

const push = process.env.METRICS_SERVICE_URL
  ? new MetricsClient({
      url: process.env.METRICS_SERVICE_URL,
      token: process.env.METRICS_SERVICE_TOKEN,
      category: 'business',
      flushIntervalMs: 1000,
    })
  : undefined;

app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/bookings/:id', (req, res) => {
  res.json({ id: req.params.id, status: 'confirmed' });
});
app.post('/bookings', (_req, res) => {
  push?.increment('bookings_total', { status: 'created', service: 'hotel' });
  res.status(201).json({ id: 42 });
});

const server = app.listen(Number(process.env.PORT ?? 4001), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void push?.close();
});
