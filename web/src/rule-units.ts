import { unitOfMetric } from './format.js';

/** A rule as `GET /api/alerts/rules` lists it: what its value's unit depends on. */
export interface RuleRow {
  id: string;
  rule: { metricName?: string; divideBy?: unknown; aggregation?: { fn?: string } };
}

/** What a rule's value measures: a ratio when divided, a rate per second, or the metric's own unit. */
export function unitOfRule(rule: RuleRow['rule']): string {
  if (rule.divideBy !== undefined) return 'ratio';
  const unit = unitOfMetric(rule.metricName ?? '');
  if (rule.aggregation?.fn === 'rate') return unit === '' ? 'per_second' : unit;
  return unit;
}
