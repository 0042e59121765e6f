import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { startAlertmanager } from '../test/support/alertmanager.js';
import { startPrometheus } from '../test/support/prometheus.js';
import { BENCH_ADMIN_TOKEN, BENCH_AUTH, benchServices, report } from './support.js';

interface Arrival {
  at: number;
  event: string;
}

/** A webhook receiver noting when each notification arrives, and whether it says firing or resolved. */
async function startReceiver(): Promise<{
  url: string;
  next: (event: string) => Promise<number>;
  close: () => void;
}> {
  const arrivals: Arrival[] = [];
  let wake: (() => void) | undefined;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(raw) as { event?: string; status?: string };
      arrivals.push({ at, event: body.event ?? body.status ?? '' });
      res.end('ok');
      wake?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return {
    url,
    next: async (event) => {
      for (;;) {
        const index = arrivals.findIndex((a) => a.event === event);
        if (index !== -1) return arrivals.splice(index, 1)[0]!.at;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => server.close(),
  };
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/**
 * From the POST of a sample that crosses a threshold to the webhook receiver getting the notification:
 * `rounds` alerts through our rule engine and outbox (each round fires, then resolves), and in the same
 * run `promRounds` alerts through the real prometheus (scrape and evaluation every second) and
 * prometheus-alertmanager (no group wait, 1 s group interval) on the same sample pushed to us.
 */
export async function benchAlerting(rounds = 1000, promRounds = 10): Promise<void> {
  const receiver = await startReceiver();
  const { services, dir } = await benchServices({ EGRESS_ALLOWLIST: '127.0.0.1' });
  const app = await buildApp(services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
  const post = (body: unknown, path = '/api/metrics/custom'): Promise<Response> =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...BENCH_AUTH },
      body: JSON.stringify(body),
    });
  await post(
    {
      name: 'Bench latency',
      metricName: 'bench_value',
      threshold: 0.5,
      notificationChannels: [{ type: 'webhook', destination: `${receiver.url}/hook` }],
    },
    '/api/alerts/rules',
  );

  const ours: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await post({ name: 'bench_value', value: 1 });
    ours.push((await receiver.next('firing')) - started);
    await post({ name: 'bench_value', value: 0 });
    await receiver.next('resolved');
  }
  ours.sort((a, b) => a - b);

  const am = await startAlertmanager(`${receiver.url}/am`);
  const prometheus = await startPrometheus(
    { 'metrics-service': base.replace('http://', '') },
    {
      rules:
        'groups:\n  - name: bench\n    rules:\n      - alert: BenchLatency\n        expr: bench_prom_value > 0.5\n',
      alertmanager: am.url.replace('http://', ''),
      tokens: { 'metrics-service': BENCH_ADMIN_TOKEN }, // /metrics needs a token since auth is on by default
    },
  );
  await post({ name: 'bench_prom_value', value: 0 });
  await new Promise((resolve) => setTimeout(resolve, 3000)); // first scrapes and evaluations
  const theirs: number[] = [];
  for (let i = 0; i < promRounds; i++) {
    const started = performance.now();
    await post({ name: 'bench_prom_value', value: 1 });
    theirs.push((await receiver.next('firing')) - started);
    await post({ name: 'bench_prom_value', value: 0 });
    await receiver.next('resolved');
  }
  theirs.sort((a, b) => a - b);
  report('alerting', {
    ours_alerts: ours.length,
    ours_p50_ms: percentile(ours, 0.5),
    ours_p99_ms: percentile(ours, 0.99),
    ours_max_ms: ours.at(-1) ?? NaN,
    prometheus_alertmanager_alerts: theirs.length,
    prometheus_alertmanager_p50_ms: percentile(theirs, 0.5),
    prometheus_alertmanager_max_ms: theirs.at(-1) ?? NaN,
    speedup_p50: percentile(theirs, 0.5) / percentile(ours, 0.5),
    target: 'ours p99 <= 100 ms',
  });
  await prometheus.stop();
  await am.stop();
  await app.close();
  await services.close();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
