import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { stepAlert } from '../domain/alert-lifecycle.js';
import { DomainError } from '../domain/errors.js';
import type { Labels } from '../domain/metric.js';
import type { PromqlEngineApi } from '../promql/api.js';
import type { QueryEngine } from '../query/range-query.js';
import type { AlertStore } from '../storage/ports.js';
import type { EventBus } from '../support/event-bus.js';
import type { TsdbReader } from '../tsdb/read-port.js';
import { fingerprintOf, fromStored, observeValue, toStored, type Alert } from './alert.js';
import type { AlertEvents } from './alert-events.js';
import type { AlertNotifier } from './alert-notifier.js';
import { evaluateMetricRule } from './metric-evaluator.js';
import { alertInstances } from './prom-rules/alert-instances.js';
import { compare, type PromqlRuleSpec, type Rule } from './rule.js';
import type { RuleBook } from './rule-book.js';
import { renderAnnotations } from './templates.js';

/** A watched service's state, as health rules see it. */
export interface ServiceHealth {
  service: string;
  state: string;
  reason: string | undefined;
}

export interface AlertEngineDeps {
  rules: RuleBook;
  store: AlertStore;
  notifier: AlertNotifier;
  query: QueryEngine;
  reader: TsdbReader;
  bus: EventBus<AlertEvents>;
  log: Logger;
  healthStates: () => ServiceHealth[];
  /** Evaluates Prometheus rules' expressions; without it they are never evaluated (and say so). */
  promql?: PromqlEngineApi;
  clock?: () => number;
}

interface Evaluation {
  /** `alertLabels`: the alert's labels when the rule computes them itself (Prometheus rules' templates). */
  groups: { labels: Labels; value: number | null; holds: boolean; alertLabels?: Record<string, string> }[];
}

/**
 * Evaluates rules and runs each alert's lifecycle: on arrival of samples of a rule's metric (the
 * streaming path, so a threshold crossing notifies within milliseconds, not after a scrape and an
 * evaluation interval), on health changes, and on a periodic tick for `for`, `keepFiringFor`, repeats
 * and metrics that stop arriving. One alert per rule and label set (fingerprint); never two.
 */
export class AlertEngine {
  private readonly active = new Map<string, Alert>();
  /** Rules whose evaluation runs, and those asked for again meanwhile (coalesced, never overlapping). */
  private readonly running = new Map<string, Promise<void>>();
  private readonly rerun = new Set<string>();
  /** Per rule, whether its condition held at the last evaluation, per fingerprint. */
  private readonly lastHeld = new Map<string, Set<string>>();
  /** Rules whose samples arrived, waiting for their turn (a set: a rule asked twice runs once). */
  private readonly arrived = new Set<string>();
  private draining = false;
  private readonly clock: () => number;

  constructor(private readonly deps: AlertEngineDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async load(): Promise<void> {
    for (const stored of await this.deps.store.activeAlerts()) {
      const alert = fromStored(stored);
      this.active.set(alert.fingerprint, alert);
    }
  }

  /**
   * Forgets what this process knew and loads the alerts as stored, as a fresh start would: a replica
   * promoted to primary takes over the alerts its predecessor fired (ADR 0020), without firing them again.
   */
  async reload(): Promise<void> {
    this.active.clear();
    this.lastHeld.clear();
    await this.load();
  }

  /**
   * Samples of these metrics arrived: evaluate the rules that read them, one rule per turn of the event
   * loop and not in the ingest's turn. Each evaluation queries its window synchronously (SQLite): run
   * together after a system collection (CPU, memory and disk rules) they held the loop for several
   * milliseconds; one per turn lets requests through in between (npm run bench -- collectors).
   */
  samplesArrived(metrics: ReadonlySet<string>): void {
    for (const rule of this.deps.rules.enabled()) {
      if (rule.spec.kind !== 'metric') continue;
      const { spec } = rule;
      if (metrics.has(spec.metric) || (spec.divideBy !== undefined && metrics.has(spec.divideBy.metric)))
        this.arrived.add(rule.id);
    }
    if (this.arrived.size > 0 && !this.draining) {
      this.draining = true;
      setImmediate(this.evaluateNextArrived);
    }
  }

  /** Takes the next rule whose samples arrived; an immediate queued from here runs on the next turn. */
  private readonly evaluateNextArrived = (): void => {
    const next = this.arrived.values().next();
    if (next.done === true) {
      this.draining = false;
      return;
    }
    this.arrived.delete(next.value);
    void this.schedule(next.value);
    setImmediate(this.evaluateNextArrived);
  };

  /** These rules, now, one after the other (a Prometheus rule group's evaluation, in the group's order). */
  async evaluateRules(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.schedule(id);
  }

  healthChanged(): void {
    for (const rule of this.deps.rules.enabled())
      if (rule.spec.kind === 'health') void this.schedule(rule.id);
  }

  /** Every enabled rule, now (the periodic tick); Prometheus rules run at their group's interval instead. */
  async evaluateAll(): Promise<void> {
    await Promise.all(
      this.deps.rules
        .enabled()
        .filter((rule) => rule.spec.kind !== 'promql')
        .map((rule) => this.schedule(rule.id)),
    );
    // Alerts of rules deleted or disabled since they fired resolve now.
    for (const alert of [...this.active.values()]) {
      const rule = this.deps.rules.find(alert.ruleId);
      if (rule === undefined || !rule.enabled) await this.resolveAlert(alert, 'rule removed', rule);
    }
  }

  /**
   * Alerts from Alertmanager's webhook join the list: firing ones are created (or kept) under the
   * `alertmanager` rule, whose channels they notify; resolved ones resolve. Identity is Alertmanager's
   * fingerprint, so its repeated deliveries never duplicate an alert.
   */
  async receiveExternal(alerts: readonly ExternalAlert[]): Promise<{ firing: number; resolved: number }> {
    const rule = this.deps.rules.find(EXTERNAL_RULE_ID);
    const now = this.clock();
    let firing = 0;
    let resolved = 0;
    for (const incoming of alerts) {
      const fingerprint = `${EXTERNAL_RULE_ID}{${incoming.fingerprint ?? fingerprintOf('', incoming.labels)}}`;
      const current = this.active.get(fingerprint);
      if (incoming.status === 'resolved') {
        if (current !== undefined) {
          await this.resolveAlert(current, 'alertmanager', rule);
          resolved++;
        }
        continue;
      }
      firing++;
      if (current !== undefined) {
        current.lastTrueAt = now;
        current.annotations = { ...incoming.annotations };
        continue;
      }
      const startsAt = Date.parse(incoming.startsAt ?? '');
      const alert = newAlert({
        ruleId: EXTERNAL_RULE_ID,
        ruleName: incoming.labels.alertname ?? 'Alertmanager',
        fingerprint,
        labels: { ...incoming.labels },
        severity: incoming.labels.severity ?? rule?.severity ?? 'warning',
        state: 'firing',
        value: null,
        at: Number.isFinite(startsAt) ? startsAt : now,
      });
      alert.annotations = { ...incoming.annotations };
      this.active.set(fingerprint, alert);
      if (rule?.enabled === true) await this.deps.notifier.fired(alert, rule, now);
      await this.persist(alert);
      this.deps.bus.emit('alert.changed', { alert, transition: 'fired' });
    }
    return { firing, resolved };
  }

  /** Waits for evaluations in progress (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.draining || this.running.size > 0) {
      if (this.running.size > 0) await Promise.all(this.running.values());
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  activeAlerts(): Alert[] {
    return [...this.active.values()];
  }

  findActive(id: string): Alert | undefined {
    for (const alert of this.active.values()) if (alert.id === id) return alert;
    return undefined;
  }

  /** `by` is the authenticated principal; `note` what they wrote. A second acknowledgement changes nothing. */
  async acknowledge(id: string, by: string, note?: string): Promise<Alert> {
    const alert = this.findActive(id);
    if (alert?.state !== 'firing')
      throw new DomainError('alert_not_found', 404, `no firing alert with id ${id}`, 'id');
    if (alert.acknowledgedAt === undefined) {
      alert.acknowledgedAt = this.clock();
      alert.acknowledgedBy = by;
      if (note !== undefined) alert.acknowledgementNote = note;
      await this.persist(alert);
      this.deps.bus.emit('alert.changed', { alert, transition: 'acknowledged' });
    }
    return alert;
  }

  /**
   * A person resolves an alert. Refused (409) while the rule's condition still holds at its last
   * evaluation: the alert would fire again at the next sample and page again; acknowledge it, or
   * silence it for planned work, instead.
   */
  async resolve(id: string, by: string, note?: string): Promise<Alert> {
    const alert = this.findActive(id);
    if (alert === undefined)
      throw new DomainError('alert_not_found', 404, `no active alert with id ${id}`, 'id');
    if (this.lastHeld.get(alert.ruleId)?.has(alert.fingerprint) === true)
      throw new DomainError(
        'condition_still_true',
        409,
        `the condition of "${alert.ruleName}" still holds (value ${String(alert.value)}); acknowledge the alert or add a silence instead`,
      );
    if (note !== undefined) alert.resolutionNote = note;
    await this.resolveAlert(alert, by, this.deps.rules.find(alert.ruleId));
    return alert;
  }

  private schedule(ruleId: string): Promise<void> {
    const running = this.running.get(ruleId);
    if (running !== undefined) {
      this.rerun.add(ruleId);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.rerun.delete(ruleId);
          const rule = this.deps.rules.find(ruleId);
          if (rule?.enabled === true) await this.evaluate(rule);
        } while (this.rerun.has(ruleId));
      } catch (error) {
        this.deps.log.error({ err: error, rule: ruleId }, 'rule evaluation failed');
      } finally {
        this.running.delete(ruleId);
      }
    })();
    this.running.set(ruleId, run);
    return run;
  }

  private async evaluate(rule: Rule): Promise<void> {
    if (rule.spec.kind === 'external') return; // its alerts come and go with Alertmanager's webhook
    const now = this.clock();
    const { groups } = await this.groupsOf(rule, now);
    const seen = new Set<string>();
    const held = new Set<string>();
    for (const group of groups) {
      const labels = group.alertLabels ?? { ...group.labels, ...rule.labels };
      const fingerprint = fingerprintOf(rule.id, group.alertLabels ?? labelsForIdentity(rule, group.labels));
      seen.add(fingerprint);
      if (group.holds) held.add(fingerprint);
      await this.step(rule, fingerprint, labels, group.value, group.holds, now);
    }
    // Series that vanished (a deleted service, a metric no longer pushed) count as not holding.
    for (const alert of [...this.active.values()]) {
      if (alert.ruleId === rule.id && !seen.has(alert.fingerprint))
        await this.step(rule, alert.fingerprint, alert.labels, null, false, now);
    }
    this.lastHeld.set(rule.id, held);
  }

  private async groupsOf(rule: Rule, now: number): Promise<Evaluation> {
    const { spec } = rule;
    if (spec.kind === 'health') {
      return {
        groups: this.deps
          .healthStates()
          .filter((s) => spec.services === undefined || spec.services.has(s.service))
          .map((s) => ({
            labels: { service: s.service, ...(s.reason === undefined ? {} : { reason: s.reason }) },
            value: null,
            holds: s.state === spec.state,
          })),
      };
    }
    if (spec.kind === 'external') return { groups: [] };
    if (spec.kind === 'promql') return this.promqlGroups(rule, spec, now);
    const values = await evaluateMetricRule(spec, this.deps.query, this.deps.reader, now);
    return {
      groups: values.map((v) =>
        Number.isNaN(v.value)
          ? { labels: v.labels, value: null, holds: true } // no data, on a rule that alerts on it
          : { labels: v.labels, value: v.value, holds: compare(v.value, rule.condition, rule.threshold) },
      ),
    };
  }

  /**
   * A Prometheus alerting rule: every element of the expression's result is an active alert, with the
   * series' labels (without `__name__`), the rule's labels expanded as templates, and `alertname`.
   */
  private async promqlGroups(rule: Rule, spec: PromqlRuleSpec, now: number): Promise<Evaluation> {
    if (this.deps.promql === undefined) throw new Error('no PromQL engine: Prometheus rules cannot run');
    const instances = await alertInstances(this.deps.promql, { name: rule.name, ...spec }, now);
    return { groups: instances.map((i) => ({ ...i, holds: true })) };
  }

  private async step(
    rule: Rule,
    fingerprint: string,
    labels: Record<string, string>,
    value: number | null,
    holds: boolean,
    now: number,
  ): Promise<void> {
    const current = this.active.get(fingerprint);
    const { next, transition } = stepAlert(current, holds, now, rule);
    if (transition === 'none') {
      if (current !== undefined && next !== undefined) {
        Object.assign(current, next);
        // Pending or firing, the value and annotations are those of this evaluation, as Prometheus renders
        // them at each one; kept firing (`keepFiringFor`) after the condition cleared, they stay the last
        // that held.
        const changed = holds && observeValue(current, renderAnnotations(rule, current.labels, value), value);
        await this.deps.notifier.maybeRepeat(current, rule, now);
        // keep_firing_for counts from the last true evaluation: stored, so a new primary counts from it too.
        const keepFiring = holds && current.state === 'firing' && rule.keepFiringForMs > 0;
        if (changed || keepFiring || current.lastNotifiedAt === now || current.lastResentAt === now)
          await this.persist(current);
      }
      return;
    }
    if (transition === 'pending' || (transition === 'fired' && current === undefined)) {
      const alert = newAlert({
        ruleId: rule.id,
        ruleName: rule.name,
        fingerprint,
        labels,
        severity: rule.severity,
        state: next!.state,
        value,
        at: now,
      });
      alert.annotations = renderAnnotations(rule, labels, value);
      this.active.set(fingerprint, alert);
      await this.persist(alert);
      if (transition === 'fired') await this.deps.notifier.fired(alert, rule, now);
      if (alert.notified > 0) await this.persist(alert);
      this.deps.bus.emit('alert.changed', { alert, transition });
      return;
    }
    const alert = current!;
    if (transition === 'dropped') {
      this.active.delete(fingerprint);
      observeValue(alert, renderAnnotations(rule, alert.labels, value), value);
      alert.state = 'resolved';
      alert.resolvedAt = now;
      alert.resolvedBy = 'condition cleared before firing';
      await this.persist(alert);
      this.deps.bus.emit('alert.changed', { alert, transition });
      return;
    }
    if (transition === 'fired') {
      Object.assign(alert, next);
      observeValue(alert, renderAnnotations(rule, alert.labels, value), value);
      await this.deps.notifier.fired(alert, rule, now);
      await this.persist(alert);
      this.deps.bus.emit('alert.changed', { alert, transition });
      return;
    }
    // The resolved notification tells the value that resolved it (null: the series is gone), not the
    // last one that fired.
    observeValue(alert, renderAnnotations(rule, alert.labels, value), value);
    await this.resolveAlert(alert, 'condition', rule);
  }

  /** Ends an alert (its condition cleared, a person, Alertmanager, its rule gone) and announces it. */
  private async resolveAlert(alert: Alert, by: string, rule: Rule | undefined): Promise<void> {
    const now = this.clock();
    this.active.delete(alert.fingerprint);
    alert.state = 'resolved';
    alert.resolvedAt = now;
    alert.resolvedBy = by;
    await this.deps.notifier.resolved(alert, rule, now);
    await this.persist(alert);
    this.deps.bus.emit('alert.changed', { alert, transition: 'resolved' });
  }

  private persist(alert: Alert): Promise<void> {
    return this.deps.store.saveAlert(toStored(alert, this.clock()));
  }
}

export const EXTERNAL_RULE_ID = 'alertmanager';

/** One alert of Alertmanager's webhook payload (version 4). */
export interface ExternalAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  fingerprint?: string;
}

function newAlert(fields: {
  ruleId: string;
  ruleName: string;
  fingerprint: string;
  labels: Record<string, string>;
  severity: string;
  state: Alert['state'];
  value: number | null;
  at: number;
}): Alert {
  const { at, ...rest } = fields;
  return {
    id: randomUUID(),
    ...rest,
    annotations: {},
    pendingAt: at,
    firedAt: fields.state === 'firing' ? at : undefined,
    resolvedAt: undefined,
    resolvedBy: undefined,
    lastTrueAt: at,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    lastNotifiedAt: undefined,
    notified: 0,
    silencedBy: undefined,
  };
}

/** Health alerts are one per service whatever the reason; metric alerts one per series or group. */
function labelsForIdentity(rule: Rule, labels: Labels): Labels {
  return rule.spec.kind === 'health' ? { service: labels.service ?? '' } : labels;
}
