import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PromqlResult } from '../../src/promql/api.js';
import { createPromqlEngine } from '../../src/promql/engine.js';
import { PromqlError } from '../../src/promql/errors.js';
import { MemorySeriesSource } from '../../src/promql/memory-source.js';

/** Hand-checked answers on a tiny data set; the differential suite compares everything else with Prometheus. */
function fixture() {
  const source = new MemorySeriesSource();
  for (const route of ['/a', '/b']) {
    for (const code of ['200', '500']) {
      const samples: [number, number][] = [];
      let total = 0;
      for (let t = 0; t <= 3_600_000; t += 15_000) {
        total += (route === '/a' ? 1 : 2) * (code === '500' ? 0.5 : 1);
        samples.push([t, total]);
      }
      source.add({ __name__: 'http_requests_total', route, code }, samples);
    }
  }
  source.add({ __name__: 'temperature', room: 'x' }, [
    [0, 20],
    [60_000, 21],
  ]);
  return createPromqlEngine({ source });
}

function vectorOf(result: PromqlResult) {
  assert.equal(result.resultType, 'vector');
  return result.result;
}

function matrixOf(result: PromqlResult) {
  assert.equal(result.resultType, 'matrix');
  return result.result;
}

describe('PromQL engine', () => {
  const engine = fixture();

  it('selects the newest sample within the lookback, and nothing beyond it', async () => {
    const at = await engine.instantQuery('temperature', 120_000);
    assert.deepEqual(at, {
      resultType: 'vector',
      result: [{ metric: { __name__: 'temperature', room: 'x' }, value: [120_000, 21] }],
    });
    const stale = await engine.instantQuery('temperature', 60_000 + 300_001);
    assert.deepEqual(stale, { resultType: 'vector', result: [] });
  });

  it('computes rate with sum by, and arithmetic between vectors', async () => {
    const result = vectorOf(
      await engine.instantQuery('sum by (route) (rate(http_requests_total[5m]))', 1_800_000),
    );
    const byRoute = new Map(result.map((s) => [s.metric.route, s.value[1]]));
    assert.ok(Math.abs(byRoute.get('/a')! - 1.5 / 15) < 1e-12);
    assert.ok(Math.abs(byRoute.get('/b')! - 3 / 15) < 1e-12);
    const ratio = vectorOf(
      await engine.instantQuery(
        'http_requests_total{code="500"} / ignoring(code) group_left sum by (route) (http_requests_total)',
        1_800_000,
      ),
    );
    assert.equal(ratio.length, 2);
    for (const s of ratio) assert.ok(Math.abs(s.value[1] - 1 / 3) < 1e-12);
  });

  it('answers range queries at every step, sorted by labels', async () => {
    const result = matrixOf(await engine.rangeQuery('http_requests_total > bool 100', 0, 600_000, 300_000));
    assert.equal(result.length, 4);
    assert.deepEqual(result[0]!.metric, { code: '200', route: '/a' });
    assert.deepEqual(
      result[0]!.values.map((p) => p[0]),
      [0, 300_000, 600_000],
    );
  });

  it('refuses bad expressions with bad_data and a position', () => {
    assert.throws(
      () => {
        engine.validate('rate(http_requests_total)');
      },
      (error: unknown) =>
        error instanceof PromqlError &&
        error.errorType === 'bad_data' &&
        error.message ===
          '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
    );
    assert.throws(() => {
      engine.validate('sum(x');
    }, PromqlError);
    assert.throws(() => {
      engine.validate('1 > 2');
    }, /comparisons between scalars must use BOOL modifier/);
  });

  it('refuses many-to-many matching', async () => {
    await assert.rejects(
      engine.instantQuery('http_requests_total + on(route) http_requests_total', 1_800_000),
      /many-to-many matching not allowed/,
    );
  });

  it('refuses a query loading more samples than allowed', async () => {
    const small = createPromqlEngine({ source: new MemorySeriesSource(), maxSamples: 10 });
    await assert.rejects(small.rangeQuery('vector(1)', 0, 100_000, 1000), { errorType: 'too_many_samples' });
    await assert.rejects(small.rangeQuery('vector(1)', 0, 100_000_000, 1), { errorType: 'bad_data' });
  });

  it('follows Prometheus 3 with PROMQL_COMPAT=3: left-open windows and lookback', async () => {
    const source = new MemorySeriesSource();
    source.add({ __name__: 'g' }, [
      [0, 1],
      [60_000, 2],
    ]);
    const v2 = createPromqlEngine({ source });
    const v3 = createPromqlEngine({ source, compat: 3 });
    const count = async (engine: typeof v2) =>
      vectorOf(await engine.instantQuery('count_over_time(g[1m])', 60_000))[0]?.value[1];
    assert.equal(await count(v2), 2);
    assert.equal(await count(v3), 1);
    assert.equal(vectorOf(await v2.instantQuery('g', 360_000)).length, 1);
    assert.equal(vectorOf(await v3.instantQuery('g', 360_000)).length, 0);
  });

  it('stops a query whose caller went away, with canceled', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      engine.rangeQuery('sum(rate(http_requests_total[5m]))', 0, 3_600_000, 15_000, {
        signal: controller.signal,
      }),
      { errorType: 'canceled' },
    );
  });
});
