import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { skipUnlessBinaries } from '../support/binaries.js';
import { freePort } from '../support/child-service.js';
import { poll } from '../support/prometheus.js';
import { startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const skip = skipUnlessBinaries([{ binary: 'prometheus', debianPackage: 'prometheus' }]);

/**
 * The real `prometheus` 2.42 as the sender: it scrapes a prom-client target (counter, gauge, histogram)
 * and remote-writes to the service, as a server (bearer token) and in agent mode (basic auth, the token as
 * password). The service's own /metrics and query API must then show the target's series.
 */
describe('remote write from the real prometheus', { skip }, () => {
  let t: TestApp;
  let target: TargetServer;
  let base: string;
  let token: string;
  const registry = new Registry();
  const requests = new Counter({
    name: 'shop_requests_total',
    help: 'Requests served by the shop.',
    labelNames: ['route'],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'shop_in_flight', help: 'Requests in flight.', registers: [registry] });
  const latency = new Histogram({
    name: 'shop_latency_seconds',
    help: 'Request latency.',
    buckets: [0.1, 0.5],
    registers: [registry],
  });

  before(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      payload: { name: 'prometheus-sender', scopes: ['ingest'] },
    });
    token = created.json<{ token: string }>().token;
    target = await startTarget();
    target.route('/metrics', (_request, response) => {
      void registry
        .metrics()
        .then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text));
    });
    requests.inc({ route: '/cart' }, 5);
    inFlight.set(3);
    latency.observe(0.05);
    latency.observe(0.3);
    latency.observe(2);
  });
  after(async () => {
    await target.close();
    await t.close();
  });

  const exposition = async (): Promise<string> =>
    (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

  async function runSender(agent: boolean, auth: string, job: string) {
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-rw-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        `  - job_name: ${job}`,
        '    static_configs:',
        `      - targets: ['${target.base.replace('http://', '')}']`,
        'remote_write:',
        `  - url: ${base}/api/v1/write`,
        auth,
        '    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }',
        '    metadata_config: { send_interval: 1s }',
        '',
      ].join('\n'),
    );
    const args = [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      ...(agent
        ? ['--enable-feature=agent', `--storage.agent.path=${join(dir, 'agent')}`]
        : [`--storage.tsdb.path=${join(dir, 'data')}`]),
    ];
    const child = spawn('prometheus', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('error', (error) => (log += `cannot start: ${error.message}\n`));
    return {
      log: () => log,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await new Promise((resolve) => child.once('exit', resolve));
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  it('a prometheus server with a bearer token: counters, gauges, a classic histogram, metadata', async () => {
    const sender = await runSender(false, `    authorization:\n      credentials: '${token}'`, 'shop');
    try {
      const instance = target.base.replace('http://', '');
      const labels = `instance="${instance}",job="shop"`;
      const seen = await poll(async () => {
        const text = await exposition();
        return text.includes(`shop_requests_total{${labels},route="/cart"} 5`) &&
          text.includes(`shop_latency_seconds_bucket{${labels},le="+Inf"} 3`) &&
          text.includes('# HELP shop_requests_total Requests served by the shop.')
          ? text
          : undefined;
      }, 30_000);
      assert.ok(seen, `${sender.log()}\n${await exposition()}`);
      assert.match(seen, new RegExp(`shop_in_flight\\{${labels}\\} 3`));
      assert.match(seen, new RegExp(`shop_latency_seconds_bucket\\{${labels},le="0.1"\\} 1`));
      assert.match(seen, new RegExp(`shop_latency_seconds_bucket\\{${labels},le="0.5"\\} 2`));
      assert.match(seen, new RegExp(`shop_latency_seconds_sum\\{${labels}\\} 2.35`));
      assert.match(seen, new RegExp(`shop_latency_seconds_count\\{${labels}\\} 3`));
      assert.match(seen, new RegExp(`up\\{${labels}\\} 1`));
      assert.match(seen, /# TYPE shop_requests_total counter/);
      // The counter moves on: the service follows the sender's running total.
      requests.inc({ route: '/cart' }, 2);
      const moved = await poll(
        async () =>
          (await exposition()).includes(`shop_requests_total{${labels},route="/cart"} 7`) ? true : undefined,
        15_000,
      );
      assert.ok(moved, sender.log());
      const query = await t.app.inject({
        method: 'GET',
        url: '/api/metrics/query?metric=shop_requests_total&duration=1h',
      });
      assert.equal(query.statusCode, 200, query.body);
      assert.match(query.body, /"route":"\/cart"/);
      assert.doesNotMatch(sender.log(), /non-recoverable|status=4\d\d/, sender.log());
    } finally {
      await sender.stop();
    }
  });

  it('a prometheus agent (--enable-feature=agent) with basic auth, the token as password', async () => {
    const sender = await runSender(
      true,
      `    basic_auth:\n      username: prometheus\n      password: '${token}'`,
      'shop_agent',
    );
    try {
      const seen = await poll(async () => {
        const text = await exposition();
        return /shop_in_flight\{instance="[^"]+",job="shop_agent"\} 3/.test(text) ? text : undefined;
      }, 30_000);
      assert.ok(seen, `${sender.log()}\n${await exposition()}`);
      assert.doesNotMatch(sender.log(), /non-recoverable|status=4\d\d/, sender.log());
    } finally {
      await sender.stop();
    }
  });
});
