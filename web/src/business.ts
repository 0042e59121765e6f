import { getJson } from './api.js';
import { formatRatio, formatValue, unitOfMetric } from './format.js';
import { LiveChart } from './live-chart.js';
import { element } from './dom.js';
import { newestGate } from './newest.js';

/** A sample value as the service writes it: a number, or "NaN", "+Inf", "-Inf" (ADR 0008). */
export type SampleValue = number | 'NaN' | '+Inf' | '-Inf';
export const sampleNumber = (v: SampleValue | null | undefined): number | null =>
  v === null || v === undefined
    ? null
    : typeof v === 'number'
      ? v
      : v === 'NaN'
        ? Number.NaN
        : v === '+Inf'
          ? Infinity
          : -Infinity;

interface Figures {
  current: SampleValue;
  increase?: SampleValue;
  ratePerSecond?: SampleValue;
  avg?: SampleValue | null;
  p95?: SampleValue | null;
}

export interface BusinessMetric {
  name: string;
  type: string;
  unit: string;
  help: string;
  window: Figures;
}

interface FunnelStep {
  step: string;
  value: SampleValue;
  conversionFromFirst: SampleValue | null;
  conversionFromPrevious: SampleValue | null;
}

export interface BusinessSummary {
  windowSeconds: number;
  metrics: BusinessMetric[];
  funnels: { metric: string; labels: Record<string, string>; steps: FunnelStep[] }[];
}

/** The four figures a business owner asks first, found by the metric names the seed's README uses. */
const KPIS: { id: string; label: string; pattern: RegExp; pick: (m: BusinessMetric) => number | null }[] = [
  { id: 'kpi-bookings', label: 'Bookings', pattern: /booking/, pick: (m) => counted(m) },
  { id: 'kpi-revenue', label: 'Revenue', pattern: /revenue/, pick: (m) => counted(m) },
  {
    id: 'kpi-users',
    label: 'Active users',
    pattern: /active_users|users_active|active_sessions/,
    pick: (m) => sampleNumber(m.window.current),
  },
  {
    id: 'kpi-satisfaction',
    label: 'Satisfaction',
    pattern: /satisfaction|csat|nps/,
    pick: (m) => sampleNumber(m.window.avg ?? m.window.current),
  },
];

/** A counter's increase over the window (what "bookings today" means), a gauge's current value. */
function counted(m: BusinessMetric): number | null {
  if (m.type === 'counter') return sampleNumber(m.window.increase ?? m.window.current);
  if (m.type === 'histogram') return sampleNumber(m.window.increase ?? m.window.current);
  return sampleNumber(m.window.current);
}

function unitOf(m: { name: string; unit: string }): string {
  return m.unit !== '' ? m.unit : unitOfMetric(m.name);
}

/**
 * What a business metric is drawn as, and so which chart it shares: counters as a rate per second of
 * their unit, gauges in their unit, histograms as their p95 in their unit. Different units never share
 * an axis.
 */
export function chartKey(m: { name: string; type: string; unit: string }): string {
  const unit = unitOf(m);
  if (m.type === 'counter') return `${unit === '' ? 'events' : unit} per second`;
  if (m.type === 'histogram') return `${unit === '' ? 'observations' : unit} (p95)`;
  return unit === '' ? 'gauges' : unit;
}

function formatterOf(key: string): (v: number) => string {
  const unit = key.split(' ')[0] ?? '';
  if (key.endsWith('per second')) return (v) => `${formatValue(v, unit === 'events' ? '' : unit)}/s`;
  return (v) => formatValue(v, unit);
}

/**
 * The business panel: KPI tiles and funnels from GET /api/metrics/business over the chosen range, and
 * one chart per unit (history from /api/dashboard/charts/business, then live pushes).
 */
export class BusinessPanel {
  private readonly charts = new Map<string, LiveChart>();
  private keys = new Map<string, string>();
  private lastTotals = new Map<string, { t: number; total: number }>();

  constructor(
    private readonly kpis: HTMLElement,
    private readonly funnels: HTMLElement,
    private readonly chartsBox: HTMLElement,
  ) {}

  /** The load in flight and its range: pushes of a new family ask again every interval while it runs. */
  private loading: { range: string; done: Promise<void> } | undefined;
  private readonly newest = newestGate();

  knows(name: string): boolean {
    return this.keys.has(name);
  }

  /**
   * Loads the panel for `range`. A load for the same range already in flight is shared (live pushes of a
   * new family ask again every interval until it is in); one for another range is superseded: the newest
   * request's answer is shown, an older answer arriving later is dropped.
   */
  load(range: string, spanMs: number): Promise<void> {
    if (this.loading?.range === range) return this.loading.done;
    const done: Promise<void> = this.fetchAndRender(range, spanMs, this.newest()).finally(() => {
      if (this.loading?.done === done) this.loading = undefined;
    });
    this.loading = { range, done };
    return done;
  }

  private async fetchAndRender(range: string, spanMs: number, isNewest: () => boolean): Promise<void> {
    const [summary, history] = await Promise.all([
      getJson<BusinessSummary>(`/api/metrics/business?window=${range}`),
      getJson<{ series: { name: string; labels: Record<string, string>; points: [number, number][] }[] }>(
        `/api/dashboard/charts/business?range=${range}`,
      ),
    ]);
    if (!isNewest()) return;
    this.renderKpis(summary);
    this.renderFunnels(summary);
    this.keys = new Map(summary.metrics.map((m) => [m.name, chartKey(m)]));
    const groups = new Map<string, Map<string, [number, number][]>>();
    for (const s of history.series) {
      const key = this.keys.get(s.name);
      if (key === undefined) continue;
      const label = Object.values(s.labels).join(' ');
      const group = groups.get(key) ?? new Map<string, [number, number][]>();
      group.set(label === '' ? s.name : `${s.name} ${label}`, s.points);
      groups.set(key, group);
    }
    for (const key of new Set(this.keys.values())) if (!groups.has(key)) groups.set(key, new Map());
    this.syncCharts([...groups.keys()]);
    for (const [key, series] of groups) this.charts.get(key)!.setHistory(series, spanMs);
    this.lastTotals = new Map();
  }

  /** A live push of every business family's current values. */
  push(
    at: number,
    families: readonly { name: string; type: string; series: Record<string, unknown>[] }[],
  ): void {
    const byKey = new Map<string, Record<string, number | null>>();
    for (const family of families) {
      const key = this.keys.get(family.name);
      if (key === undefined) continue;
      const total = family.series.reduce(
        (sum, s) => sum + (sampleNumber((s.value ?? s.count ?? 0) as SampleValue) ?? 0),
        0,
      );
      let value: number | null;
      if (family.type === 'gauge') value = total;
      else if (family.type === 'histogram')
        continue; // p95 needs buckets: the history's step shows it
      else {
        const previous = this.lastTotals.get(family.name);
        value =
          previous === undefined || at <= previous.t
            ? null
            : (total - previous.total) / ((at - previous.t) / 1000);
        this.lastTotals.set(family.name, { t: at, total });
      }
      const values = byKey.get(key) ?? {};
      // A NaN or an infinity is a gap on the chart, as in Grafana.
      values[family.name] = value !== null && Number.isFinite(value) ? value : null;
      byKey.set(key, values);
    }
    for (const [key, values] of byKey) this.charts.get(key)?.append(at, values);
  }

  private syncCharts(keys: readonly string[]): void {
    for (const [key, chart] of this.charts)
      if (!keys.includes(key)) {
        chart.destroy();
        this.charts.delete(key);
      }
    const boxes: HTMLElement[] = [];
    for (const key of keys) {
      let chart = this.charts.get(key);
      if (chart === undefined) {
        const box = element('div', { class: 'chart', 'data-unit': key });
        chart = new LiveChart(box, formatterOf(key), { spanGaps: false });
        this.charts.set(key, chart);
      }
      const figure = element('figure', { class: 'unit-chart' });
      figure.append(element('figcaption', {}, key), chart.element);
      boxes.push(figure);
    }
    this.chartsBox.replaceChildren(...boxes);
  }

  private renderKpis(summary: BusinessSummary): void {
    const tiles: HTMLElement[] = [];
    for (const kpi of KPIS) {
      // Counted figures (bookings, revenue) are counters when there is one: `bookings_active` is a gauge.
      const candidates = summary.metrics.filter((m) => kpi.pattern.test(m.name));
      const metric = candidates.find((m) => m.type === 'counter') ?? candidates[0];
      if (metric === undefined) continue;
      const tile = element('div', { class: 'tile', id: kpi.id, title: `${metric.name}: ${metric.help}` });
      const value = kpi.pick(metric);
      tile.append(
        element('div', { class: 'label' }, kpi.label),
        element('div', { class: 'value' }, formatValue(value, unitOf(metric))),
        element('div', { class: 'hint' }, metric.name),
      );
      tiles.push(tile);
    }
    this.kpis.replaceChildren(...tiles);
  }

  private renderFunnels(summary: BusinessSummary): void {
    this.funnels.replaceChildren(
      ...summary.funnels.map((funnel) => {
        const box = element('div', { class: 'funnel', 'data-funnel': funnel.metric });
        const labels = Object.entries(funnel.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        box.append(element('h3', {}, labels === '' ? funnel.metric : `${funnel.metric} ${labels}`));
        const first = sampleNumber(funnel.steps[0]?.value) ?? 0;
        for (const step of funnel.steps) {
          const value = sampleNumber(step.value) ?? 0;
          const row = element('div', { class: 'funnel-step', 'data-step': step.step });
          const bar = element('div', { class: 'funnel-bar' });
          bar.style.width = `${String(first > 0 ? Math.max(2, (value / first) * 100) : 0)}%`;
          const fromPrevious = sampleNumber(step.conversionFromPrevious);
          const fromFirst = sampleNumber(step.conversionFromFirst);
          row.append(
            element('span', { class: 'funnel-name' }, step.step),
            bar,
            element('span', { class: 'funnel-value' }, formatValue(value, '')),
            element(
              'span',
              { class: 'funnel-ratio', title: 'from the previous step / from the first step' },
              fromPrevious === null ? '' : `${formatRatio(fromPrevious)} · ${formatRatio(fromFirst ?? 0)}`,
            ),
          );
          box.append(row);
        }
        return box;
      }),
    );
  }
}
