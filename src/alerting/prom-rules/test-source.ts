import type { Labels } from '../../domain/metric.js';
import type { LabelMatcher } from '../../promql/ast.js';
import type { SeriesSource, SourceSeries } from '../../promql/series-source.js';

interface Growing {
  labels: Labels;
  t: number[];
  v: number[];
}

/**
 * The store of a rule unit test: the test's input series, and the series record rules write as the
 * evaluation goes (appended in time order). In memory, like promtool's test storage.
 */
export class TestSeriesSource implements SeriesSource {
  private readonly series = new Map<string, Growing>();

  append(labels: Labels, t: number, v: number): void {
    const sorted = Object.fromEntries(
      Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const key = JSON.stringify(sorted);
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: sorted, t: [], v: [] };
      this.series.set(key, s);
    }
    const last = s.t.length - 1;
    if (last >= 0 && s.t[last]! >= t) {
      if (s.t[last] === t) s.v[last] = v; // the same time twice: the later value wins
      return;
    }
    s.t.push(t);
    s.v.push(v);
  }

  select(matchers: readonly LabelMatcher[], fromMs: number, toMs: number): Promise<SourceSeries[]> {
    const out: SourceSeries[] = [];
    for (const s of this.series.values()) {
      if (!matchers.every((m) => m.matches(s.labels[m.name] ?? ''))) continue;
      let lo = 0;
      while (lo < s.t.length && s.t[lo]! < fromMs) lo++;
      let hi = lo;
      while (hi < s.t.length && s.t[hi]! <= toMs) hi++;
      if (hi > lo)
        out.push({
          labels: s.labels,
          t: Float64Array.from(s.t.slice(lo, hi)),
          v: Float64Array.from(s.v.slice(lo, hi)),
        });
    }
    return Promise.resolve(out);
  }
}
