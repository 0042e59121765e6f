import { bucketIndex } from '@metrics-service/client';

/** Durations by one label (GC kind, store operation), bucketed like Prometheus client histograms. */
export class DurationHistogram {
  private readonly totals = new Map<string, { counts: Float64Array; sum: number }>();

  constructor(readonly buckets: readonly number[]) {}

  observe(label: string, seconds: number): void {
    let totals = this.totals.get(label);
    if (totals === undefined) {
      totals = { counts: new Float64Array(this.buckets.length + 1), sum: 0 };
      this.totals.set(label, totals);
    }
    totals.counts[bucketIndex(this.buckets, seconds)]!++;
    totals.sum += seconds;
  }

  /** Observations since the previous call, per label (labels without new ones are left out). */
  drain(): { label: string; counts: number[]; sum: number }[] {
    const out: { label: string; counts: number[]; sum: number }[] = [];
    for (const [label, totals] of this.totals) {
      if (totals.counts.every((c) => c === 0)) continue;
      out.push({ label, counts: Array.from(totals.counts), sum: totals.sum });
      totals.counts.fill(0);
      totals.sum = 0;
    }
    return out;
  }
}
