import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import type { IngestSample } from '../../src/ingest/sample-schema.js';
import { createPromqlEngine } from '../../src/promql/engine.js';
import { TsdbSeriesSource } from '../../src/promql/tsdb-source.js';
import { createServices, type Services } from '../../src/services.js';
import { TEST_ADMIN_PASSWORD, TEST_ADMIN_TOKEN } from '../support/test-app.js';

/**
 * The engine over the real TSDB, read back from its SQLite file as a restarted service reads it: more
 * series than one read batch (512), so batches go through the store's one-statement read and share the
 * arrays the engine lends from batch to batch. The batched answers must be the one-step (`select`) ones.
 */
const SERIES = 1_300;
const T0 = 1_790_000_000_000;
const SCRAPE = 60_000;
const ROUNDS = 150;

function config(dir: string) {
  return loadConfig({
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    SYSTEM_COLLECT_INTERVAL: '0',
    APPLICATION_COLLECT_INTERVAL: '0',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    MAX_SERIES_PER_METRIC: String(SERIES * 2),
    METRICS_TTL: String(3650 * 86_400),
  });
}

async function ingest(services: Services): Promise<void> {
  const totals = new Array<number>(SERIES).fill(0);
  for (let round = 0; round < ROUNDS; round++) {
    const t = T0 + round * SCRAPE;
    const batch: IngestSample[] = [];
    for (let i = 0; i < SERIES; i++) {
      // Late starts, a gap and a reset in some series.
      if (i % 7 === 0 && round < 30) continue;
      if (i % 11 === 0 && round > 60 && round < 80) continue;
      totals[i] = i % 13 === 0 && round === 100 ? 0 : totals[i]! + ((i * 7 + round) % 17);
      batch.push({
        name: 'batched_requests',
        type: 'counter',
        value: totals[i]!,
        labels: { route: `/r${i % 20}`, instance: `i${i}` },
        timestamp: t,
        cumulative: { kind: 'counter-total' },
      });
    }
    await services.ingest.ingest(batch, 'custom');
  }
}

describe('PromQL over the TSDB, read a batch of series at a time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promql-tsdb-batched-'));
  let services: Services;

  before(async () => {
    const first = await createServices(config(dir), pino({ level: 'silent' }));
    await ingest(first);
    await first.close();
    services = await createServices(config(dir), pino({ level: 'silent' }));
  });

  after(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers what the one-step read answers', async () => {
    const batched = new TsdbSeriesSource(services.reader);
    const oneStep = new TsdbSeriesSource(services.reader);
    const engines = {
      batched: createPromqlEngine({ source: batched }),
      oneStep: createPromqlEngine({ source: { select: (m, from, to) => oneStep.select(m, from, to) } }),
    };
    const queries = [
      'sum by (route) (rate(batched_requests_total[5m]))',
      'count(increase(batched_requests_total[10m]))',
      'max without (instance) (max_over_time(batched_requests_total[15m]))',
      'sum(resets(batched_requests_total[30m]))',
      'rate(batched_requests_total{route="/r3"}[5m])',
    ];
    const start = T0 + 10 * SCRAPE;
    const end = T0 + (ROUNDS + 5) * SCRAPE;
    for (const query of queries) {
      const want = await engines.oneStep.rangeQuery(query, start, end, 90_000);
      const got = await engines.batched.rangeQuery(query, start, end, 90_000);
      assert.deepEqual(got, want, query);
      assert.ok(JSON.stringify(want).length > 1000, `${query} answers something`);
    }
  });
});
