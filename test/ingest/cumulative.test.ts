import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp } from '../support/test-app.js';

/** Exporters' running totals (remote write, OTLP, Pushgateway) set a label set's values instead of adding. */
describe('cumulative ingest', () => {
  let harness: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    harness = await startTestApp();
  });
  after(async () => {
    await harness.close();
  });

  const exposed = async (prefix: string): Promise<string[]> =>
    (await harness.app.inject({ method: 'GET', url: '/metrics' })).body
      .split('\n')
      .filter((line) => line.startsWith(prefix));

  it('sets a counter to its total, a lower total being a reset', async () => {
    const now = Date.now();
    const push = (value: number, t: number) =>
      harness.services.ingest.ingest(
        [
          {
            name: 'exported_total',
            type: 'counter',
            value,
            timestamp: t,
            cumulative: { kind: 'counter-total' },
          },
        ],
        'custom',
      );
    assert.equal((await push(10, now - 3000)).accepted.length, 1);
    assert.equal((await push(25, now - 2000)).accepted.length, 1);
    assert.deepEqual(await exposed('exported_total'), ['exported_total 25']);
    assert.equal((await push(4, now - 1000)).accepted.length, 1);
    assert.deepEqual(await exposed('exported_total'), ['exported_total 4']);
    const refused = await push(-1, now);
    assert.equal(refused.rejected[0]?.code, 'invalid_value');
  });

  it('sets a histogram to its state and refuses a state that does not fit the family', async () => {
    const state = (buckets: number[], sum: number, count: number) => ({
      name: 'exported_seconds',
      type: 'histogram' as const,
      value: sum,
      buckets: [0.1, 1],
      cumulative: { kind: 'histogram' as const, buckets, sum, count },
    });
    const ok = await harness.services.ingest.ingest([state([1, 3, 4], 2.5, 4)], 'custom');
    assert.equal(ok.accepted.length, 1, JSON.stringify(ok.rejected));
    assert.deepEqual(await exposed('exported_seconds'), [
      'exported_seconds_bucket{le="0.1"} 1',
      'exported_seconds_bucket{le="1"} 3',
      'exported_seconds_bucket{le="+Inf"} 4',
      'exported_seconds_sum 2.5',
      'exported_seconds_count 4',
    ]);
    const bad = await harness.services.ingest.ingest(
      [state([1, 3], 1, 3), state([3, 1, 4], 1, 4), state([1, 3, 4], 1, 5)],
      'custom',
    );
    assert.deepEqual(
      bad.rejected.map((r) => r.code),
      ['bucket_conflict', 'invalid_value', 'invalid_value'],
    );
  });
});
