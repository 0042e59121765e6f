import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelMatcher } from '../../src/promql/ast.js';
import { createPromqlEngine } from '../../src/promql/engine.js';
import { PromqlError } from '../../src/promql/errors.js';
import { MemorySeriesSource } from '../../src/promql/memory-source.js';
import type { SeriesRef, SourceSeries } from '../../src/promql/series-source.js';

/**
 * The same in-memory data behind the two-step source API (labels, then samples per batch), which the
 * engine reads 512 series at a time: it must answer exactly what the one-step `select` does.
 */
class TwoStepSource extends MemorySeriesSource {
  reads = 0;

  match(matchers: readonly LabelMatcher[]): SeriesRef[] {
    // Everything the source holds that matches, samples or not: `read` drops series with none in range.
    return this.selectAll(matchers);
  }

  async read(refs: readonly SeriesRef[], fromMs: number, toMs: number): Promise<SourceSeries[]> {
    this.reads++;
    const inRange = new Map((await this.select([], fromMs, toMs)).map((s) => [s.labels, s] as const));
    const out: SourceSeries[] = [];
    for (const ref of refs) {
      const found = inRange.get(ref.labels);
      if (found !== undefined) out.push(found);
    }
    return out;
  }

  private selectAll(matchers: readonly LabelMatcher[]): SourceSeries[] {
    return this.series.filter((s) => matchers.every((m) => m.matches(s.labels[m.name] ?? '')));
  }
}

function fill(source: MemorySeriesSource): void {
  for (let i = 0; i < 1300; i++) {
    const samples: [number, number][] = [];
    let total = 0;
    // A gap and a reset in some series, a late start in others.
    for (let t = i % 7 === 0 ? 1_800_000 : 0; t <= 7_200_000; t += 60_000) {
      if (i % 11 === 0 && t > 3_000_000 && t < 4_000_000) continue;
      total = i % 13 === 0 && t === 5_400_000 ? 0 : total + ((i * 7 + t / 60_000) % 17);
      samples.push([t, total]);
    }
    source.add({ __name__: 'x_total', route: `/r${i % 20}`, instance: `i${i}` }, samples);
  }
}

describe('PromQL range functions over batched reads', () => {
  const plain = new MemorySeriesSource();
  const twoStep = new TwoStepSource();
  fill(plain);
  fill(twoStep);
  const queries = [
    'sum by (route) (rate(x_total[5m]))',
    'count(increase(x_total[10m]))',
    'max without (instance) (max_over_time(x_total[15m]))',
    'avg(rate(x_total[5m] offset 10m))',
    'sum(rate(x_total[5m:1m]))',
    'rate(x_total{route="/r3"}[5m])',
    'sum(absent_over_time(x_total[1m]))',
  ];
  for (const query of queries) {
    it(`answers ${query} as the one-step read does`, async () => {
      const expected = await createPromqlEngine({ source: plain }).rangeQuery(query, 0, 7_200_000, 60_000);
      const reads = twoStep.reads;
      const actual = await createPromqlEngine({ source: twoStep }).rangeQuery(query, 0, 7_200_000, 60_000);
      assert.deepEqual(actual, expected);
      // 1,300 series: three batches (not a subquery's: its inner selector is read whole).
      if (!query.includes('/r3') && !query.includes(':1m'))
        assert.ok(twoStep.reads - reads >= 3, `${twoStep.reads - reads} reads`);
    });
  }

  it('counts the sample limit over the whole read, not per batch', async () => {
    const engine = createPromqlEngine({ source: twoStep, maxSamples: 100_000 });
    await assert.rejects(
      engine.rangeQuery('sum(rate(x_total[5m]))', 0, 7_200_000, 60_000),
      (error: unknown) => error instanceof PromqlError && /too many samples|maximum/i.test(error.message),
    );
  });
});
