import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Pushgateway, Registry } from 'prom-client';
import { skipUnlessBinaries } from '../support/binaries.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const skipCurl = skipUnlessBinaries([{ binary: 'curl', debianPackage: 'curl' }]);

/** The Pushgateway API used by real clients over HTTP: prom-client's Pushgateway class and the README's curl. */
describe('Pushgateway API from real clients', () => {
  let t: TestApp;
  let base: string;
  let token: string;
  before(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      payload: { name: 'batch-jobs', scopes: ['ingest'] },
    });
    token = created.json<{ token: string }>().token;
  });
  after(async () => {
    await t.close();
  });

  const exposed = async (prefix: string): Promise<string[]> =>
    (await t.app.inject({ method: 'GET', url: '/metrics' })).body
      .split('\n')
      .filter((line) => line.startsWith(prefix));

  it("prom-client's Pushgateway: push, pushAdd (gzip too) and delete with an Authorization header", async () => {
    const registry = new Registry();
    const processed = new Counter({ name: 'etl_rows_total', help: 'Rows processed.', registers: [registry] });
    const lastRun = new Gauge({ name: 'etl_last_run_seconds', help: 'Last run.', registers: [registry] });
    const duration = new Histogram({
      name: 'etl_duration_seconds',
      help: 'Run duration.',
      buckets: [1, 10],
      registers: [registry],
    });
    processed.inc(120);
    lastRun.set(1_764_550_000);
    duration.observe(4);
    const gateway = new Pushgateway(base, { headers: { Authorization: `Bearer ${token}` } }, registry);
    await gateway.push({ jobName: 'etl', groupings: { stage: 'load' } });
    assert.deepEqual(await exposed('etl_rows_total'), ['etl_rows_total{job="etl",stage="load"} 120']);
    assert.deepEqual(await exposed('etl_duration_seconds_bucket'), [
      'etl_duration_seconds_bucket{job="etl",le="1",stage="load"} 0',
      'etl_duration_seconds_bucket{job="etl",le="10",stage="load"} 1',
      'etl_duration_seconds_bucket{job="etl",le="+Inf",stage="load"} 1',
    ]);
    // PromQL finds the pushed buckets under their own names (not `…_bucket_total`).
    const quantile = await t.app.inject({
      method: 'GET',
      url: `/api/v1/query?query=${encodeURIComponent('histogram_quantile(0.5, etl_duration_seconds_bucket)')}`,
    });
    assert.equal(quantile.statusCode, 200, quantile.body);
    assert.deepEqual(
      quantile.json<{ data: { result: { value: [number, string] }[] } }>().data.result.map((r) => r.value[1]),
      ['5.5'],
      quantile.body,
    );
    processed.inc(30);
    const gzipped = new Pushgateway(
      base,
      { headers: { Authorization: `Bearer ${token}`, 'Content-Encoding': 'gzip' } },
      registry,
    );
    await gzipped.pushAdd({ jobName: 'etl', groupings: { stage: 'load' } });
    assert.deepEqual(await exposed('etl_rows_total'), ['etl_rows_total{job="etl",stage="load"} 150']);
    await gateway.delete({ jobName: 'etl', groupings: { stage: 'load' } });
    assert.deepEqual(await exposed('etl_'), []);
    const refused = new Pushgateway(base, { headers: { Authorization: 'Bearer wrong' } }, registry);
    await assert.rejects(refused.push({ jobName: 'etl' }), /status 401/);
  });

  it("runs the README's curl examples as written", { skip: skipCurl }, async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('**Pushgateway API**'));
    const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!).slice(0, 3);
    assert.equal(blocks.length, 3);
    const env = { ...process.env, METRICS_URL: base, INGEST_TOKEN: token };
    // Not spawnSync: the service answering curl runs in this very process.
    const run = async (script: string) => {
      await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`], { env, timeout: 20_000 });
    };
    await run(blocks[0]!);
    const labels = 'instance="db1",job="nightly_backup"';
    assert.deepEqual(await exposed('backup_bytes_total'), [`backup_bytes_total{${labels}} 52428800`]);
    assert.deepEqual(await exposed('backup_last_success_seconds'), [
      `backup_last_success_seconds{${labels}} 1764550000`,
    ]);
    await run(blocks[1]!);
    assert.deepEqual(await exposed('backup_files'), [`backup_files{${labels}} 1234`]);
    assert.equal((await exposed('backup_bytes_total')).length, 1);
    await run(blocks[2]!);
    assert.deepEqual(await exposed('backup_'), []);
  });
});
