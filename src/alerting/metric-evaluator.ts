import { labelValue, type Labels } from '../domain/metric.js';
import { parseFunction } from '../query/functions.js';
import type { QueryEngine } from '../query/range-query.js';
import { WindowReader } from '../query/window-reader.js';
import type { TsdbReader } from '../tsdb/read-port.js';
import type { MetricRuleSpec } from './rule.js';

export interface GroupValue {
  labels: Labels;
  /** NaN: no sample in the window (reported only for rules that alert on no data). */
  value: number;
}

/**
 * The value of a metric rule for each series (or group) at `now`, through the query engine so rules and
 * charts compute the same numbers. A ratio divides groups with the same `by` labels; a zero or missing
 * denominator gives no value (no data, not infinity). A metric nobody has pushed yet gives nothing.
 */
export async function evaluateMetricRule(
  spec: MetricRuleSpec,
  query: QueryEngine,
  reader: TsdbReader,
  now: number,
): Promise<GroupValue[]> {
  const values = await computeValues(spec, query, reader, now);
  return spec.alertOnNoData ? [...values, ...missingGroups(spec, reader, values)] : values;
}

/**
 * The groups a rule expects but got no value for: each series (or `by` group) of the metric matching the
 * rule's matchers that had no sample in the window, or, when none matches at all (never pushed, or
 * all gone), the metric as a whole with no labels.
 */
function missingGroups(spec: MetricRuleSpec, reader: TsdbReader, found: readonly GroupValue[]): GroupValue[] {
  const key = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort());
  const seen = new Set(found.map((v) => key(v.labels)));
  const expected = new Map<string, Labels>();
  for (const set of reader.labelSets(spec.metric, spec.matchers)) {
    const labels =
      spec.by === undefined
        ? set.labels
        : Object.fromEntries(
            spec.by.flatMap((name) => {
              const value = labelValue(set.labels, name);
              return value === undefined ? [] : [[name, value]];
            }),
          );
    expected.set(key(labels), labels);
  }
  if (expected.size === 0 && found.length === 0) expected.set(key({}), {});
  return [...expected].filter(([k]) => !seen.has(k)).map(([, labels]) => ({ labels, value: Number.NaN }));
}

async function computeValues(
  spec: MetricRuleSpec,
  query: QueryEngine,
  reader: TsdbReader,
  now: number,
): Promise<GroupValue[]> {
  const family = reader.family(spec.metric);
  if (family === undefined) return [];
  const fn = spec.fn ?? parseFunction(undefined, family.def.type);
  const window = new WindowReader(query, spec.windowMs, now);
  const options = (matchers: MetricRuleSpec['matchers']) => ({
    matchers,
    ...(spec.by === undefined ? {} : { by: spec.by }),
  });
  const values = await window.values(spec.metric, fn, options(spec.matchers));
  // NaN is "no sample in the window"; ±Inf is a value and compares as in Prometheus (+Inf > any threshold).
  if (spec.divideBy === undefined) return values.filter((v) => !Number.isNaN(v.value));
  const denominators = await window.values(spec.divideBy.metric, fn, options(spec.divideBy.matchers));
  const key = (labels: Labels): string =>
    JSON.stringify((spec.by ?? []).map((name) => labelValue(labels, name) ?? ''));
  const byKey = new Map(denominators.map((d) => [key(d.labels), d.value]));
  const out: GroupValue[] = [];
  for (const v of values) {
    const denominator = byKey.get(key(v.labels));
    if (denominator === undefined || denominator === 0 || !Number.isFinite(denominator)) continue;
    const ratio = v.value / denominator;
    if (!Number.isNaN(ratio)) out.push({ labels: v.labels, value: ratio });
  }
  return out;
}
