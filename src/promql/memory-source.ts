import type { Labels } from '../domain/metric.js';
import type { LabelMatcher } from './ast.js';
import { makeLabels } from './labels.js';
import type { SeriesSource, SourceSeries } from './series-source.js';

/** A series source over arrays in memory: for tests and for evaluating against already-read data. */
export class MemorySeriesSource implements SeriesSource {
  /** Every series added (for subclasses that read it differently). */
  protected readonly series: SourceSeries[] = [];

  add(labels: Labels, samples: readonly (readonly [number, number])[]): void {
    const sorted = [...samples].sort((a, b) => a[0] - b[0]);
    this.series.push({
      labels: makeLabels(Object.entries(labels)),
      t: Float64Array.from(sorted, (s) => s[0]),
      v: Float64Array.from(sorted, (s) => s[1]),
    });
  }

  select(matchers: readonly LabelMatcher[], fromMs: number, toMs: number): Promise<SourceSeries[]> {
    const out: SourceSeries[] = [];
    for (const s of this.series) {
      if (!matchers.every((m) => m.matches(s.labels[m.name] ?? ''))) continue;
      let lo = 0;
      while (lo < s.t.length && s.t[lo]! < fromMs) lo++;
      let hi = lo;
      while (hi < s.t.length && s.t[hi]! <= toMs) hi++;
      if (hi > lo) out.push({ labels: s.labels, t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi) });
    }
    return Promise.resolve(out);
  }
}
