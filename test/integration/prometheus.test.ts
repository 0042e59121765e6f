import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/binaries.js';
import { freePort } from '../support/child-service.js';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('Prometheus exposition against the real promtool and prometheus', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    const r = await send(t.app, 'POST', '/api/metrics/batch', {
      metrics: [
        {
          name: 'bookings_created_total',
          type: 'counter',
          value: 3,
          labels: { service: 'concert' },
          help: 'Bookings created',
        },
        {
          name: 'queue_depth',
          value: 12.5,
          labels: { queue: 'emails', note: 'quote " and \\ backslash' },
          unit: 'items',
        },
        {
          name: 'checkout_duration_seconds',
          type: 'histogram',
          value: 0.42,
          unit: 'seconds',
          help: 'Checkout time',
        },
        { name: 'temperature_celsius', value: -3, unit: 'celsius' },
      ],
    });
    assert.equal(r.status, 200);
  });
  after(async () => {
    await t.close();
  });

  it('passes promtool check metrics (text format, lint included)', (ctx) => {
    if (!requireBinary(ctx, 'promtool', 'prometheus')) return;
    return t.app.inject({ method: 'GET', url: '/metrics' }).then((response) => {
      assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: response.body, encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
      assert.match(response.body, /^bookings_created_total\{service="concert"\} 3$/m);
      assert.match(
        response.body,
        /^queue_depth\{note="quote \\" and \\\\ backslash",queue="emails"\} 12.5$/m,
      );
      assert.match(response.body, /^checkout_duration_seconds_bucket\{le="0.5"\} 1$/m);
    });
  });

  it('serves OpenMetrics when asked, with counter families without _total and # EOF', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    assert.match(String(response.headers['content-type']), /^application\/openmetrics-text; version=1.0.0/);
    assert.match(response.body, /^# TYPE bookings_created counter$/m);
    assert.match(response.body, /^bookings_created_total\{service="concert"\} 3$/m);
    assert.match(response.body, /^# UNIT checkout_duration_seconds seconds$/m);
    assert.match(response.body, /^# TYPE process_cpu_seconds counter$/m);
    assert.ok(response.body.endsWith('# EOF\n'));
    assert.equal(response.body.match(/^# EOF$/gm)?.length, 1);
  });

  it('is scraped by a real prometheus, which then answers queries on the ingested series', async (ctx) => {
    if (!requireBinary(ctx, 'prometheus', 'prometheus')) return;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const target = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-it-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: metrics-service\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    prometheus.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    try {
      const found = await poll(async () => {
        const response = await fetch(
          `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('bookings_created_total{service="concert"}')}`,
        );
        if (!response.ok) return undefined;
        const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
        return body.data.result[0]?.value[1];
      }, 30_000);
      assert.equal(found, '3', log);
      const targets = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      assert.deepEqual(
        targets.data.activeTargets.map((x) => [x.health, x.lastError]),
        [['up', '']],
      );
      const histogram = await poll(async () => {
        const q = encodeURIComponent('checkout_duration_seconds_count');
        const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${q}`)).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return body.data.result[0]?.value[1];
      }, 10_000);
      assert.equal(histogram, '1');
    } finally {
      prometheus.kill('SIGTERM');
      await new Promise((resolve) => prometheus.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}
