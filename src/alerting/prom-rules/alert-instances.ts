import { withoutName } from './without-name.js';
import type { Labels } from '../../domain/metric.js';
import type { PromqlEngineApi } from '../../promql/api.js';
import type { GoTemplate } from './go-template.js';
import { renderPromTemplates } from './render.js';

export interface AlertInstance {
  /** The series' labels, without `__name__` (what `$labels` shows). */
  labels: Labels;
  value: number;
  /** The alert's labels: the series', the rule's (templates expanded), and `alertname`. */
  alertLabels: Record<string, string>;
}

/**
 * A Prometheus alerting rule at `timeMs`: every element of the expression's result is an active alert,
 * as Prometheus' AlertingRule.Eval makes them. The AlertEngine and `rules:test` both use this.
 */
export async function alertInstances(
  promql: PromqlEngineApi,
  rule: { name: string; expr: string; labelTemplates: ReadonlyMap<string, GoTemplate> },
  timeMs: number,
): Promise<AlertInstance[]> {
  const result = await promql.instantQuery(rule.expr, timeMs);
  if (result.resultType !== 'vector')
    throw new Error(`alert "${rule.name}": the expression gives a ${result.resultType}, not a vector`);
  const seen = new Set<string>();
  return result.result.map(({ metric, value: [, value] }) => {
    const labels = withoutName(metric);
    const expanded = renderPromTemplates(rule.labelTemplates, labels, value);
    const alertLabels = { ...labels, ...expanded, alertname: rule.name };
    const key = JSON.stringify(Object.entries(alertLabels).sort());
    if (seen.has(key))
      throw new Error(
        `alert "${rule.name}": vector contains metrics with the same labelset after applying alert labels`,
      );
    seen.add(key);
    return { labels, value, alertLabels };
  });
}
