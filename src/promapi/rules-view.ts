import type { Alert } from '../alerting/alert.js';
import type { AlertEngine } from '../alerting/alert-engine.js';
import type { RuleGroups } from '../alerting/prom-rules/rule-groups.js';
import type { Rule } from '../alerting/rule.js';
import type { RuleBook } from '../alerting/rule-book.js';

/** What /api/v1/rules and /api/v1/alerts read. */
export interface PromRulesView {
  groups(filter: {
    type?: 'alert' | 'record';
    names?: readonly string[];
    groups?: readonly string[];
  }): unknown[];
  alerts(): unknown[];
}

/** Prometheus writes sample values of the rules API with strconv.FormatFloat(v, 'e', -1, 64). */
function formatE(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

const iso = (ms: number | undefined): string => new Date(ms ?? 0).toISOString();
const seconds = (ms: number): number => ms / 1000;

function promAlert(alert: Alert) {
  return {
    labels: { alertname: alert.ruleName, ...alert.labels },
    annotations: alert.annotations,
    state: alert.state,
    activeAt: iso(alert.pendingAt),
    value: formatE(alert.value),
  };
}

/** The service's own rule (threshold on a metric, health, Alertmanager) described as PromQL-like text. */
function describe(rule: Rule): string {
  const { spec } = rule;
  switch (spec.kind) {
    case 'health':
      return `service health ${spec.state}${spec.services === undefined ? '' : ` (${[...spec.services].join(', ')})`}`;
    case 'external':
      return 'alerts received from Alertmanager';
    case 'promql':
      return spec.expr;
    case 'metric': {
      const selector = `${spec.metric}${spec.matchers.length === 0 ? '' : `{${spec.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join(',')}}`}`;
      const fn =
        spec.fn === undefined
          ? 'last'
          : typeof spec.fn === 'string'
            ? spec.fn
            : `p${String(spec.fn.quantile * 100)}`;
      const by = spec.by === undefined ? '' : ` by (${spec.by.join(', ')})`;
      return `${fn}(${selector}[${String(spec.windowMs / 1000)}s])${by} ${rule.condition} ${String(rule.threshold)}`;
    }
  }
}

/** The rules API of Prometheus over the service's rule book, its Prometheus rule groups and its alerts. */
export class RulesView implements PromRulesView {
  constructor(
    private readonly rules: RuleBook,
    private readonly groupsOf: RuleGroups,
    private readonly engine: AlertEngine,
  ) {}

  alerts(): unknown[] {
    return this.engine
      .activeAlerts()
      .filter((a) => a.state !== 'resolved')
      .map(promAlert);
  }

  groups(filter: {
    type?: 'alert' | 'record';
    names?: readonly string[];
    groups?: readonly string[];
  }): unknown[] {
    const active = this.engine.activeAlerts();
    const alertingRule = (
      rule: Rule,
      health: { health: string; lastError: string; lastEvaluation?: number; evaluationSeconds: number },
    ) => {
      const alerts = active.filter((a) => a.ruleId === rule.id && a.state !== 'resolved');
      const state = alerts.some((a) => a.state === 'firing')
        ? 'firing'
        : alerts.length > 0
          ? 'pending'
          : 'inactive';
      return {
        state,
        name: rule.name,
        query: describe(rule),
        duration: seconds(rule.forMs),
        keepFiringFor: seconds(rule.keepFiringForMs),
        labels: rule.labels,
        annotations: rule.annotations,
        alerts: alerts.map(promAlert),
        health: health.health,
        ...(health.lastError === '' ? {} : { lastError: health.lastError }),
        evaluationTime: health.evaluationSeconds,
        lastEvaluation: iso(health.lastEvaluation),
        type: 'alerting',
      };
    };
    const wanted = (kind: 'alert' | 'record', name: string) =>
      (filter.type === undefined || filter.type === kind) &&
      (filter.names === undefined || filter.names.length === 0 || filter.names.includes(name));
    const out: unknown[] = [];
    const own = this.rules.list().filter((r) => r.origin !== 'prometheus' && wanted('alert', r.name));
    if (
      own.length > 0 &&
      (filter.groups === undefined || filter.groups.length === 0 || filter.groups.includes('metrics-service'))
    )
      out.push({
        name: 'metrics-service',
        file: 'metrics-service',
        rules: own.map((r) =>
          alertingRule(r, { health: r.enabled ? 'ok' : 'unknown', lastError: '', evaluationSeconds: 0 }),
        ),
        interval: 0,
        limit: 0,
        evaluationTime: 0,
        lastEvaluation: iso(undefined),
      });
    for (const state of this.groupsOf.list()) {
      if (
        filter.groups !== undefined &&
        filter.groups.length > 0 &&
        !filter.groups.includes(state.group.name)
      )
        continue;
      const rules = state.group.rules.flatMap((rule, i): object[] => {
        if (!wanted(rule.kind, rule.name)) return [];
        const health = state.rules[i]!;
        if (rule.kind === 'record')
          return [
            {
              name: rule.name,
              query: rule.expr,
              labels: rule.labels,
              health: health.health,
              ...(health.lastError === '' ? {} : { lastError: health.lastError }),
              evaluationTime: health.evaluationSeconds,
              lastEvaluation: iso(health.lastEvaluation),
              type: 'recording',
            },
          ];
        const book = this.rules.find(state.ids[i]!);
        return book === undefined ? [] : [alertingRule(book, health)];
      });
      if (rules.length === 0 && (filter.type !== undefined || (filter.names?.length ?? 0) > 0)) continue;
      out.push({
        name: state.group.name,
        file: state.group.file,
        rules,
        interval: seconds(state.group.intervalMs),
        limit: state.group.limit,
        evaluationTime: state.evaluationSeconds,
        lastEvaluation: iso(state.lastEvaluation),
      });
    }
    return out;
  }
}
