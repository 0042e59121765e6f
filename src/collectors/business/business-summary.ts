import type { Labels } from '../../domain/metric.js';
import type { WindowReader } from '../../query/window-reader.js';
import type { FamilyView } from '../../tsdb/read-port.js';

/** Figures of one series (or of a whole family) over the window; which ones depends on the type. */
export interface WindowFigures {
  /** counter: cumulative total; gauge: current value (summed over series for a family); histogram: count. */
  current: number;
  /** counter: increase over the window; histogram: observations over the window. */
  increase?: number;
  /** counter, histogram: per second over the window. */
  ratePerSecond?: number;
  /** gauge: over the window; histogram: of the observations over the window. */
  avg?: number | null;
  min?: number | null;
  max?: number | null;
  p50?: number | null;
  p95?: number | null;
}

export interface BusinessMetric {
  name: string;
  type: string;
  help: string;
  unit: string;
  window: WindowFigures;
  series: (WindowFigures & { labels: Labels })[];
  truncated: boolean;
}

export interface FunnelStep {
  step: string;
  value: number;
  /** This step over the first one. */
  conversionFromFirst: number | null;
  /** This step over the one before it. */
  conversionFromPrevious: number | null;
}

export interface Funnel {
  metric: string;
  /** Other labels of the steps' series, when the funnel is split (by service, campaign…). */
  labels: Labels;
  steps: FunnelStep[];
}

const keyOf = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort());

/**
 * Business metrics with aggregations over a window: counters get their increase and rate (bookings per
 * hour, revenue of the period), gauges their current, average, min and max (active users), histograms
 * their count, average and percentiles (satisfaction scores). A family with a `step` label is a
 * conversion funnel: its steps in the order they were first pushed, each with its conversion ratio.
 */
export async function summarizeFamily(
  family: FamilyView,
  reader: WindowReader,
  limit: number,
): Promise<BusinessMetric> {
  const { name, type, help, unit } = family.def;
  const seconds = reader.windowMs / 1000;
  const perSeries = new Map<string, WindowFigures & { labels: Labels }>();
  const entry = (labels: Labels): WindowFigures & { labels: Labels } => {
    const key = keyOf(labels);
    let figures = perSeries.get(key);
    if (figures === undefined) {
      figures = { labels, current: 0 };
      perSeries.set(key, figures);
    }
    return figures;
  };
  const histogram = type === 'histogram';
  for (const set of family.sets.values()) {
    if (set.committed)
      entry(set.labels).current = histogram ? set.values[set.values.length - 1]! : set.values[0]!;
  }
  const family_: WindowFigures = { current: [...perSeries.values()].reduce((a, f) => a + f.current, 0) };
  if (type === 'counter' || histogram) {
    const fn = histogram ? 'count' : 'increase';
    for (const { labels, value } of await reader.values(name, fn)) {
      const f = entry(labels);
      f.increase = value;
      f.ratePerSecond = value / seconds;
    }
    const total = await reader.value(name, fn);
    family_.increase = total ?? 0;
    family_.ratePerSecond = (total ?? 0) / seconds;
  }
  if (type === 'gauge') {
    for (const fn of ['avg', 'min', 'max'] as const) {
      for (const { labels, value } of await reader.values(name, fn)) entry(labels)[fn] = value;
    }
    family_.avg = await reader.value(name, 'avg');
    family_.min = await reader.value(name, 'min');
    family_.max = await reader.value(name, 'max');
  }
  if (histogram) {
    for (const [field, fn] of [
      ['avg', 'avg'],
      ['p50', { quantile: 0.5 }],
      ['p95', { quantile: 0.95 }],
    ] as const) {
      for (const { labels, value } of await reader.values(name, fn)) entry(labels)[field] = value;
      family_[field] = await reader.value(name, fn);
    }
  }
  const series = [...perSeries.values()];
  return {
    name,
    type,
    help,
    unit,
    window: family_,
    series: series.slice(0, limit),
    truncated: series.length > limit,
  };
}

/** Funnels of a family with a `step` label: counters by their increase over the window, gauges by value. */
export function funnelsOf(metric: BusinessMetric, stepOrder: readonly string[]): Funnel[] {
  const groups = new Map<string, { labels: Labels; values: Map<string, number> }>();
  for (const s of metric.series) {
    const step = s.labels.step;
    if (step === undefined) continue;
    const rest = Object.fromEntries(Object.entries(s.labels).filter(([name]) => name !== 'step'));
    const key = keyOf(rest);
    const group = groups.get(key) ?? { labels: rest, values: new Map<string, number>() };
    group.values.set(step, metric.type === 'gauge' ? s.current : (s.increase ?? 0));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ labels, values }) => {
    const ordered = stepOrder.filter((step) => values.has(step));
    const first = values.get(ordered[0] ?? '') ?? 0;
    return {
      metric: metric.name,
      labels,
      steps: ordered.map((step, i) => {
        const value = values.get(step)!;
        const previous = i === 0 ? value : values.get(ordered[i - 1]!)!;
        return {
          step,
          value,
          conversionFromFirst: first > 0 ? value / first : null,
          conversionFromPrevious: previous > 0 ? value / previous : null,
        };
      }),
    };
  });
}

/** Step values in the order their series were first pushed (a funnel is pushed top step first). */
export function stepOrderOf(family: FamilyView): string[] {
  const order: string[] = [];
  for (const set of family.sets.values()) {
    const step = set.labels.step;
    if (step !== undefined && !order.includes(step)) order.push(step);
  }
  return order;
}
