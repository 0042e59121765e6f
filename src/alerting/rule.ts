import type { LabelMatcher } from '../query/matchers.js';
import type { QueryFunction } from '../query/functions.js';
import type { ChannelRef, RuleInput } from './rule-schema.js';
import type { GoTemplate } from './prom-rules/go-template.js';

export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type Severity = 'critical' | 'high' | 'warning' | 'medium' | 'low' | 'info';
/** `prometheus`: an alerting rule of a Prometheus rule group (ALERT_RULES_FILE or PUT /api/alerts/rule-groups). */
export type RuleOrigin = 'api' | 'file' | 'builtin' | 'prometheus';

export interface MetricSelection {
  metric: string;
  matchers: readonly LabelMatcher[];
}

/** A threshold on a metric: fn over the window, per series or per group, optionally divided by another selection. */
export interface MetricRuleSpec extends MetricSelection {
  kind: 'metric';
  /** undefined: the metric's default (last; p95 for a histogram). */
  fn: QueryFunction | undefined;
  windowMs: number;
  by: readonly string[] | undefined;
  divideBy: MetricSelection | undefined;
  /** Fire when an expected series or group has no sample in the window. */
  alertOnNoData: boolean;
}

/** A watched service reaching a state, from the health checker's events. */
export interface HealthRuleSpec {
  kind: 'health';
  state: 'down' | 'degraded';
  services: ReadonlySet<string> | undefined;
}

/** Alerts that arrive from outside (Alertmanager's webhook): never evaluated, only their channels count. */
export interface ExternalRuleSpec {
  kind: 'external';
}

/**
 * An alerting rule of a Prometheus rule file: every element of the PromQL expression's result is an
 * active alert (no threshold of ours); labels and annotations are Go templates (a safe subset).
 */
export interface PromqlRuleSpec {
  kind: 'promql';
  expr: string;
  group: string;
  file: string;
  labelTemplates: ReadonlyMap<string, GoTemplate>;
  annotationTemplates: ReadonlyMap<string, GoTemplate>;
}

/** A rule with every default applied, as the engine evaluates it. */
export interface Rule {
  id: string;
  name: string;
  spec: MetricRuleSpec | HealthRuleSpec | ExternalRuleSpec | PromqlRuleSpec;
  condition: Comparison;
  threshold: number;
  forMs: number;
  keepFiringForMs: number;
  repeatIntervalMs: number;
  severity: Severity;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  channels: readonly ChannelRef[];
  enabled: boolean;
  origin: RuleOrigin;
  /** As written (defaults implicit), for GET answers and edits. */
  input: RuleInput;
  /** Channels that cannot deliver until a setting is made (SLACK_WEBHOOK_URL…), said with every answer. */
  warnings: string[];
}

export function compare(value: number, condition: Comparison, threshold: number): boolean {
  switch (condition) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
