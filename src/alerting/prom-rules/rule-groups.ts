import { withoutName } from './without-name.js';
import type { Logger } from 'pino';
import type { PromqlEngineApi } from '../../promql/api.js';
import type { AlertStore } from '../../storage/ports.js';
import type { AlertEngine } from '../alert-engine.js';
import type { Rule } from '../rule.js';
import type { RuleBook } from '../rule-book.js';
import {
  parseRuleFileText,
  type PromAlertRule,
  type PromRuleGroup,
  type RuleFileOptions,
} from './rule-file.js';

/** Where record rules' samples go: the service's store, as gauges (see ADR 0015). */
export type RecordWriter = (
  samples: { name: string; labels: Record<string, string>; value: number }[],
  timeMs: number,
) => Promise<string | undefined>;

/** Health of one rule at its last evaluation, as Prometheus' /api/v1/rules reports it. */
export interface RuleHealth {
  health: 'ok' | 'err' | 'unknown';
  lastError: string;
  lastEvaluation: number | undefined;
  evaluationSeconds: number;
}

export interface GroupState {
  group: PromRuleGroup;
  /** Rule ids in the group's order (alert rules are in the RuleBook under them). */
  ids: string[];
  rules: RuleHealth[];
  lastEvaluation: number | undefined;
  evaluationSeconds: number;
  nextAt: number;
}

const API_SOURCE = 'api';
const META_KEY = 'prometheus_rule_groups';

/** A Prometheus rule's id: stable while its group, name and rank among same-named rules stay. */
function ruleIds(source: string, group: PromRuleGroup): string[] {
  const seen = new Map<string, number>();
  return group.rules.map((rule) => {
    const n = seen.get(rule.name) ?? 0;
    seen.set(rule.name, n + 1);
    return `prom:${source}:${group.name}:${rule.kind}:${rule.name}${n === 0 ? '' : `:${String(n)}`}`;
  });
}

const SEVERITIES = new Set(['critical', 'high', 'warning', 'medium', 'low', 'info']);

function toRule(id: string, source: string, group: PromRuleGroup, rule: PromAlertRule): Rule {
  const severity = rule.labels.severity;
  return {
    id,
    name: rule.name,
    spec: {
      kind: 'promql',
      expr: rule.expr,
      group: group.name,
      file: source,
      labelTemplates: rule.labelTemplates,
      annotationTemplates: rule.annotationTemplates,
    },
    condition: '>',
    threshold: 0,
    forMs: rule.forMs,
    keepFiringForMs: rule.keepFiringForMs,
    repeatIntervalMs: 4 * 3_600_000,
    severity: severity !== undefined && SEVERITIES.has(severity) ? (severity as Rule['severity']) : 'warning',
    labels: rule.labels,
    annotations: rule.annotations,
    channels: [],
    enabled: true,
    origin: 'prometheus',
    // What GET /api/alerts/rules shows: the rule as written in its file.
    input: {
      name: rule.name,
      labels: { ...rule.labels },
      annotations: { ...rule.annotations },
      ...(rule.raw.for === undefined ? {} : { for: rule.raw.for }),
      ...(rule.raw.keep_firing_for === undefined ? {} : { keepFiringFor: rule.raw.keep_firing_for }),
    },
    warnings: [`Prometheus rule of group "${group.name}" (${source}): ${rule.expr}`],
  };
}

export interface RuleGroupsDeps {
  rules: RuleBook;
  engine: AlertEngine;
  store: AlertStore;
  promql: PromqlEngineApi | undefined;
  writeRecords: RecordWriter;
  options: RuleFileOptions;
  log: Logger;
  clock?: () => number;
}

/**
 * The Prometheus rule groups the service evaluates: those of ALERT_RULES_FILE (read-only) and those put
 * through the API (kept in the alert store's meta table as the text that was put). Each group runs at
 * its interval, its rules in order: a record rule writes its series before the next rule reads them; an
 * alerting rule goes through the AlertEngine (lifecycle, silences, channels) like the service's rules.
 */
export class RuleGroups {
  private readonly states = new Map<string, GroupState[]>();
  private apiText = '';
  private readonly clock: () => number;

  constructor(private readonly deps: RuleGroupsDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** At start: the file's groups (already checked), then the API's as stored. */
  async load(fileGroups: { file: string; groups: PromRuleGroup[] } | undefined): Promise<void> {
    if (fileGroups !== undefined) this.install(fileGroups.file, fileGroups.groups);
    const stored = await this.deps.store.getMeta(META_KEY);
    if (stored !== undefined && stored !== '') {
      try {
        this.install(API_SOURCE, parseRuleFileText(stored, API_SOURCE, this.deps.options));
        this.apiText = stored;
      } catch (error) {
        this.deps.log.error({ err: error }, 'stored Prometheus rule groups no longer load; skipped');
      }
    }
  }

  /**
   * Installs the API's groups as stored when another replica put different ones (ADR 0027): the
   * primary at each tick (a PUT may have reached a follower) and a replica promoted to primary before it
   * reloads the alerts, so no alert of a group it had not loaded resolves as "rule removed". The
   * groups' pending and firing alerts are the AlertEngine's, reloaded from the store on promotion.
   */
  async syncStored(): Promise<void> {
    const stored = (await this.deps.store.getMeta(META_KEY)) ?? '';
    if (stored === this.apiText) return;
    try {
      this.install(API_SOURCE, stored === '' ? [] : parseRuleFileText(stored, API_SOURCE, this.deps.options));
      this.apiText = stored;
    } catch (error) {
      this.apiText = stored; // logged once, not at every tick
      this.deps.log.error({ err: error }, 'stored Prometheus rule groups no longer load; kept the previous');
    }
  }

  /** PUT /api/alerts/rule-groups: replaces every API group with those of this rule file (checked first). */
  async put(text: string): Promise<PromRuleGroup[]> {
    const groups = parseRuleFileText(text, API_SOURCE, this.deps.options);
    await this.deps.store.setMeta(META_KEY, text);
    this.apiText = text;
    this.install(API_SOURCE, groups);
    return groups;
  }

  /** The rule file last put through the API, as put. */
  apiFile(): string {
    return this.apiText;
  }

  list(): GroupState[] {
    return [...this.states.values()].flat();
  }

  private install(source: string, groups: PromRuleGroup[]): void {
    const now = this.clock();
    const alertRules: Rule[] = [];
    const states = groups.map((group) => {
      const ids = ruleIds(source, group);
      group.rules.forEach((rule, i) => {
        if (rule.kind === 'alert') alertRules.push(toRule(ids[i]!, source, group, rule));
      });
      return {
        group,
        ids,
        rules: group.rules.map(() => ({
          health: 'unknown' as const,
          lastError: '',
          lastEvaluation: undefined,
          evaluationSeconds: 0,
        })),
        lastEvaluation: undefined,
        evaluationSeconds: 0,
        // Spread over the interval by name, as Prometheus does, so groups do not all run at once.
        nextAt: now + (hash(`${source}/${group.name}`) % group.intervalMs),
      };
    });
    this.states.set(source, states);
    this.deps.rules.replacePrometheusRules(alertRules, source);
  }

  /** The periodic tick: every group whose time has come, one after the other. */
  async runDue(): Promise<void> {
    await this.syncStored();
    for (const state of this.list()) {
      const now = this.clock();
      if (now < state.nextAt) continue;
      state.nextAt = now + state.group.intervalMs;
      await this.evaluateGroup(state, now);
    }
  }

  /** One evaluation of a group at `now` (rules:test drives this with its own clock). */
  async evaluateGroup(state: GroupState, now: number): Promise<void> {
    const started = performance.now();
    for (const [i, rule] of state.group.rules.entries()) {
      const health = state.rules[i]!;
      const ruleStarted = performance.now();
      try {
        if (rule.kind === 'record') await this.record(rule.name, rule.expr, rule.labels, now);
        else await this.deps.engine.evaluateRules([state.ids[i]!]);
        health.health = 'ok';
        health.lastError = '';
      } catch (error) {
        health.health = 'err';
        health.lastError = (error as Error).message;
        this.deps.log.warn(
          { err: error, group: state.group.name, rule: rule.name },
          'Prometheus rule failed',
        );
      }
      health.lastEvaluation = now;
      health.evaluationSeconds = (performance.now() - ruleStarted) / 1000;
    }
    state.lastEvaluation = now;
    state.evaluationSeconds = (performance.now() - started) / 1000;
  }

  private async record(
    name: string,
    expr: string,
    labels: Readonly<Record<string, string>>,
    now: number,
  ): Promise<void> {
    if (this.deps.promql === undefined) throw new Error('no PromQL engine: record rules cannot run');
    const result = await this.deps.promql.instantQuery(expr, now);
    let samples: { labels: Record<string, string>; value: number }[];
    if (result.resultType === 'vector')
      samples = result.result.map(({ metric, value: [, value] }) => {
        const rest = withoutName(metric);
        return { labels: { ...rest, ...labels }, value };
      });
    else if (result.resultType === 'scalar') samples = [{ labels: { ...labels }, value: result.result[1] }];
    else throw new Error(`record "${name}": the expression gives a ${result.resultType}`);
    if (samples.length === 0) return;
    const problem = await this.deps.writeRecords(
      samples.map((s) => ({ name, ...s })),
      now,
    );
    if (problem !== undefined) throw new Error(`record "${name}": ${problem}`);
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
