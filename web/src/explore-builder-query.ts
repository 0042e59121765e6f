/**
 * The point-and-click builder's model and the PromQL it prints. The expression in the query box is the
 * one source of truth: the builder prints into it, and reads it back with `parseBuilt` (which accepts only
 * what `printQuery` prints, checked by printing again), so a hand-edited query is never misread.
 */

export const OPERATORS = ['=', '!=', '=~', '!~'] as const;
export type Operator = (typeof OPERATORS)[number];
export const WINDOWS = ['1m', '5m', '15m', '1h'] as const;
export const QUANTILES = ['0.5', '0.9', '0.95', '0.99'] as const;
export const AGGREGATIONS = ['none', 'sum', 'avg', 'max', 'min', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** raw: the series as they are; the others take a range `[window]`; quantile is histogram_quantile. */
export const FUNCTIONS = [
  'raw',
  'rate',
  'increase',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'quantile',
] as const;
export type BuilderFunction = (typeof FUNCTIONS)[number];

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'unknown';

export interface Filter {
  label: string;
  op: Operator;
  value: string;
}

export interface BuiltQuery {
  metric: string;
  filters: Filter[];
  fn: BuilderFunction;
  window: string;
  quantile: string;
  aggregation: Aggregation;
  /** `sum by (these)`; empty: one series for all. Ignored without an aggregation. */
  by: string[];
}

/** The functions that make sense for a kind of metric, the first the default. */
export function functionsFor(kind: MetricKind): BuilderFunction[] {
  switch (kind) {
    case 'counter':
      return ['rate', 'increase', 'raw'];
    case 'gauge':
      return ['raw', 'avg_over_time', 'max_over_time', 'min_over_time'];
    case 'histogram':
      return ['quantile', 'rate', 'raw'];
    case 'unknown':
      return [...FUNCTIONS];
  }
}

/**
 * A metric's kind from /api/v1/metadata (keyed by family) and Prometheus' naming rules: `x_bucket` is a
 * histogram's buckets whatever the family says, `x_total` a counter.
 */
export function kindOf(metric: string, types: Readonly<Record<string, string>>): MetricKind {
  if (/_bucket$/.test(metric)) return 'histogram';
  const declared = types[metric] ?? types[metric.replace(/_total$/, '')];
  if (declared === 'counter' || declared === 'gauge') return declared;
  if (declared === 'histogram') return 'histogram';
  if (/_total$/.test(metric)) return 'counter';
  return 'unknown';
}

const NAME = /^[a-zA-Z_:][\w:]*$/;
const LABEL = /^[a-zA-Z_]\w*$/;

function selector(q: BuiltQuery): string {
  const filters = q.filters
    .filter((f) => LABEL.test(f.label))
    .map((f) => `${f.label}${f.op}${JSON.stringify(f.value)}`);
  return filters.length === 0 ? q.metric : `${q.metric}{${filters.join(', ')}}`;
}

const grouping = (labels: readonly string[]): string =>
  labels.length === 0 ? '' : ` by (${labels.join(', ')}) `;

/** The PromQL of a built query ('' until a metric is chosen). */
export function printQuery(q: BuiltQuery): string {
  if (!NAME.test(q.metric)) return '';
  const series = selector(q);
  const by = q.by.filter((l) => LABEL.test(l) && l !== 'le');
  if (q.fn === 'quantile')
    return `histogram_quantile(${q.quantile}, sum by (${['le', ...by].join(', ')}) (rate(${series}[${q.window}])))`;
  const inner = q.fn === 'raw' ? series : `${q.fn}(${series}[${q.window}])`;
  if (q.aggregation === 'none') return inner;
  return `${q.aggregation}${grouping(by)}(${inner})`;
}

export const EMPTY_QUERY: BuiltQuery = {
  metric: '',
  filters: [],
  fn: 'raw',
  window: '5m',
  quantile: '0.95',
  aggregation: 'none',
  by: [],
};

const list = (text: string | undefined): string[] =>
  text === undefined || text === '' ? [] : text.split(', ');

function parseSelector(text: string): Pick<BuiltQuery, 'metric' | 'filters'> | undefined {
  const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?$/.exec(text);
  if (match === null) return undefined;
  const filters: Filter[] = [];
  for (const f of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"/g)) {
    let value: string;
    try {
      value = JSON.parse(`"${f[3]!}"`) as string;
    } catch {
      return undefined;
    }
    filters.push({ label: f[1]!, op: f[2] as Operator, value });
  }
  return { metric: match[1]!, filters };
}

function parseLoose(text: string): BuiltQuery | undefined {
  const histogram =
    /^histogram_quantile\(([\d.]+), sum by \(le(?:, ([^)]*))?\) \(rate\((.*)\[(\w+)\]\)\)\)$/.exec(text);
  if (histogram !== null) {
    const s = parseSelector(histogram[3]!);
    return (
      s && {
        ...EMPTY_QUERY,
        ...s,
        fn: 'quantile',
        quantile: histogram[1]!,
        window: histogram[4]!,
        by: list(histogram[2]),
      }
    );
  }
  let aggregation: Aggregation = 'none';
  let by: string[] = [];
  let inner = text;
  const aggregated = /^(sum|avg|max|min|count)(?: by \(([^)]*)\) )?\((.*)\)$/.exec(text);
  if (aggregated !== null) {
    aggregation = aggregated[1] as Aggregation;
    by = list(aggregated[2]);
    inner = aggregated[3]!;
  }
  const ranged = /^(rate|increase|avg_over_time|max_over_time|min_over_time)\((.*)\[(\w+)\]\)$/.exec(inner);
  const s = parseSelector(ranged === null ? inner : ranged[2]!);
  if (s === undefined) return undefined;
  return {
    ...EMPTY_QUERY,
    ...s,
    fn: ranged === null ? 'raw' : (ranged[1] as BuilderFunction),
    window: ranged?.[3] ?? EMPTY_QUERY.window,
    aggregation,
    by,
  };
}

/** The builder's state for an expression it printed, or undefined for any other (hand-written) one. */
export function parseBuilt(expression: string): BuiltQuery | undefined {
  const text = expression.trim();
  const parsed = parseLoose(text);
  return parsed !== undefined && printQuery(parsed) === text ? parsed : undefined;
}
