import type { Labels } from '../domain/metric.js';
import { PromApiError } from './prom-api-error.js';
import { all, parseLimitParam, parseTimeParam, type PromParams } from './prom-params.js';
import type { IndexedSeries, SeriesIndex } from './series-index.js';
import { matchesAll, parseSeriesSelector, type SelectorMatcher } from './series-selector.js';

/** A listing and, when `limit` cut it, the warning Prometheus (2.49+) gives with it. */
export interface Listed<T> {
  data: T;
  warnings: string[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Selection {
  matchSets: SelectorMatcher[][];
  startMs: number | undefined;
  endMs: number | undefined;
  limit: number | undefined;
}

function selection(params: PromParams, matchRequired: boolean): Selection {
  const raw = all(params, 'match[]');
  if (matchRequired && raw.length === 0) throw new PromApiError('bad_data', 'no match[] parameter provided');
  const startMs = parseTimeParam(params, 'start');
  const endMs = parseTimeParam(params, 'end');
  if (startMs !== undefined && endMs !== undefined && endMs < startMs)
    throw new PromApiError(
      'bad_data',
      'invalid parameter "end": end timestamp must not be before start time',
    );
  return {
    matchSets: raw.map((m) => parseSeriesSelector(m)),
    startMs,
    endMs,
    limit: parseLimitParam(params, 'limit'),
  };
}

/**
 * Series of the index that match one of the selectors (all series when there are none) and had a sample
 * at or after `start`. The store keeps no first-sample time per series, so `end` cannot exclude a series
 * that started later; Prometheus' block index is no finer for the head block either.
 */
function* selected(index: SeriesIndex, sel: Selection): Iterable<IndexedSeries> {
  for (const series of index.series()) {
    if (sel.startMs !== undefined && series.lastT < sel.startMs) continue;
    if (!Number.isFinite(series.lastT)) continue;
    if (sel.matchSets.length > 0 && !sel.matchSets.some((m) => matchesAll(m, series.labels))) continue;
    yield series;
  }
}

function limited<T>(items: T[], limit: number | undefined): Listed<T[]> {
  if (limit === undefined || items.length <= limit) return { data: items, warnings: [] };
  return { data: items.slice(0, limit), warnings: ['results truncated due to limit'] };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort(byText)
    .map((k) => `${k}\u0000${labels[k] ?? ''}`)
    .join('\u0001');
}

/** GET/POST /api/v1/series. */
export function listSeries(index: SeriesIndex, params: PromParams): Listed<Labels[]> {
  const sel = selection(params, true);
  const found = new Map<string, Labels>();
  for (const series of selected(index, sel)) found.set(labelsKey(series.labels), series.labels);
  const sorted = [...found.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([, labels]) => sortLabels(labels));
  return limited(sorted, sel.limit);
}

/** GET/POST /api/v1/labels. */
export function listLabelNames(index: SeriesIndex, params: PromParams): Listed<string[]> {
  const sel = selection(params, false);
  const names = new Set<string>();
  for (const series of selected(index, sel))
    for (const [name, value] of Object.entries(series.labels)) if (value !== '') names.add(name);
  return limited([...names].sort(byText), sel.limit);
}

/** GET /api/v1/label/<name>/values; `__name__` lists every exposed metric name. */
export function listLabelValues(index: SeriesIndex, name: string, params: PromParams): Listed<string[]> {
  if (!LABEL_NAME.test(name)) throw new PromApiError('bad_data', `invalid label name: "${name}"`);
  const sel = selection(params, false);
  const values = new Set<string>();
  for (const series of selected(index, sel)) {
    const value = series.labels[name];
    if (value !== undefined && value !== '') values.add(value);
  }
  return limited([...values].sort(byText), sel.limit);
}

export interface MetadataEntry {
  type: string;
  help: string;
  unit: string;
}

/** GET /api/v1/metadata: per metric family name (as its TYPE line), `metric`, `limit`, `limit_per_metric`. */
export function listMetadata(index: SeriesIndex, params: PromParams): Record<string, MetadataEntry[]> {
  const metric = all(params, 'metric')[0];
  const limit = parseLimitParam(params, 'limit');
  // Each family has one metadata entry here, so any per-metric limit ≥ 1 keeps it.
  parseLimitParam(params, 'limit_per_metric');
  const out: Record<string, MetadataEntry[]> = {};
  let count = 0;
  for (const family of index.metadata()) {
    if (metric !== undefined && metric !== '' && family.name !== metric) continue;
    if (limit !== undefined && count >= limit) break;
    out[family.name] = [{ type: family.type, help: family.help, unit: family.unit }];
    count++;
  }
  return out;
}

function sortLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => byText(a, b)));
}
