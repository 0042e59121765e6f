import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parse } from 'yaml';
import { DomainError } from '../domain/errors.js';
import type { PromqlEngineApi } from '../promql/api.js';
import {
  isPrometheusRuleFile,
  parseRuleFileText,
  type PromRuleGroup,
  type RuleFileOptions,
} from './prom-rules/rule-file.js';
import { RuleGroups, type RecordWriter } from './prom-rules/rule-groups.js';
import type { Config } from '../config/config.js';
import type { QueryEngine } from '../query/range-query.js';
import type { ChannelContext, ChannelTarget } from '../notify/channels/channel.js';
import { DEFAULT_OUTBOX_OPTIONS, Outbox } from '../notify/outbox.js';
import type { EgressGuard } from '../security/egress-guard.js';
import type { AlertStore } from '../storage/ports.js';
import type { EventBus } from '../support/event-bus.js';
import { loadListFile } from '../support/config-file.js';
import { PeriodicTask } from '../support/periodic-task.js';
import type { TsdbReader } from '../tsdb/read-port.js';
import { AlertEngine, type ServiceHealth } from './alert-engine.js';
import type { AlertEvents } from './alert-events.js';
import { AlertNotifier } from './alert-notifier.js';
import { ChannelBook } from './channel-book.js';
import { RuleBook } from './rule-book.js';
import { RuleInputSchema, type RuleInput } from './rule-schema.js';
import { SilenceSet, storedSilence } from './silences.js';

export interface Alerting {
  rules: RuleBook;
  /** Prometheus rule groups (ALERT_RULES_FILE in that format, PUT /api/alerts/rule-groups). */
  ruleGroups: RuleGroups;
  channels: ChannelBook;
  engine: AlertEngine;
  silences: SilenceSet;
  outbox: Outbox;
  store: AlertStore;
  /** Who hears about what (its channel targets also serve the TLS expiry notices). */
  notifier: AlertNotifier;
  tasks: PeriodicTask[];
}

interface AlertingDeps {
  config: Readonly<Config>;
  store: AlertStore;
  query: QueryEngine;
  reader: TsdbReader;
  guard: EgressGuard;
  bus: EventBus<AlertEvents>;
  log: Logger;
  healthStates: () => ServiceHealth[];
  /** The PromQL engine: Prometheus rules' expressions. */
  promql?: PromqlEngineApi;
  /** Where record rules' samples are written (the ingest path, as gauges). */
  writeRecords: RecordWriter;
}

/**
 * ALERT_RULES_FILE: the service's format (`rules:` followed by rule objects with an optional stable `id`, as
 * the API takes them) or a Prometheus rule file (`groups:`), told apart by that key. A mistake stops the
 * start with the file, group, rule and field named.
 */
async function loadRulesFile(
  file: string,
  options: RuleFileOptions,
): Promise<{ own: (RuleInput & { id?: string })[]; prometheus?: PromRuleGroup[] }> {
  const text = await readFile(file, 'utf8');
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    document = undefined; // loadListFile says what is wrong
  }
  if (isPrometheusRuleFile(document)) {
    try {
      return { own: [], prometheus: parseRuleFileText(text, file, options) };
    } catch (error) {
      const field = error instanceof DomainError && error.field !== undefined ? `${error.field}: ` : '';
      throw new Error(`ALERT_RULES_FILE ${file}: ${field}${(error as Error).message}`);
    }
  }
  const rules = await loadListFile('ALERT_RULES_FILE', file, 'rules', RuleInputSchema, ['id']);
  return { own: rules as (RuleInput & { id?: string })[] };
}

/** Rules, alerts, silences and notifications, with their loops (evaluation tick, retention, outbox). */
export async function createAlerting(deps: AlertingDeps): Promise<Alerting> {
  const { config, store, log } = deps;
  const channels: ChannelContext = {
    guard: deps.guard,
    slackWebhookUrl: config.slackWebhookUrl,
    webhookSecret: config.webhookSecret,
    smtp:
      config.emailSmtpHost === undefined
        ? undefined
        : {
            host: config.emailSmtpHost,
            port: config.emailSmtpPort,
            username: config.emailUsername,
            password: config.emailPassword,
            from: config.emailFrom,
            defaultTo: config.emailTo,
          },
  };
  const named = new ChannelBook(store, channels);
  await named.load();
  const rules = new RuleBook(store, channels, named, log, config.websocketEnabled);
  const ruleFileOptions: RuleFileOptions = {
    defaultIntervalMs: config.prometheusRulesIntervalMs,
    validateExpr: (expr) => {
      if (deps.promql === undefined) throw new Error('PromQL is not available in this build');
      deps.promql.validate(expr);
    },
  };
  const fromFile =
    config.alertRulesFile === undefined
      ? undefined
      : await loadRulesFile(config.alertRulesFile, ruleFileOptions);
  await rules.load(fromFile?.own ?? []);
  const silences = new SilenceSet();
  for (const { id, data } of await store.loadSilences()) {
    const { silence, repaired } = storedSilence(data);
    if (repaired) log.warn({ silence: id }, 'stored silence had a time out of range; read clamped');
    silences.put(silence);
  }
  const outbox = new Outbox(store, channels, log, {
    ...DEFAULT_OUTBOX_OPTIONS,
    maxAgeMs: config.notifyMaxAgeSeconds * 1000,
    onSettled: (settled) => {
      deps.bus.emit('notification.settled', settled);
    },
  });
  // SLACK_WEBHOOK_URL and EMAIL_* (with EMAIL_TO) make default channels for rules that name none.
  const defaults: ChannelTarget[] = [
    ...(config.slackWebhookUrl === undefined ? [] : [{ type: 'slack' as const, destination: undefined }]),
    ...(channels.smtp?.defaultTo === undefined ? [] : [{ type: 'email' as const, destination: undefined }]),
  ];
  const notifier = new AlertNotifier(outbox, silences, defaults, named, config.serviceName);
  const engine = new AlertEngine({
    rules,
    store,
    notifier,
    query: deps.query,
    reader: deps.reader,
    bus: deps.bus,
    log,
    healthStates: deps.healthStates,
    ...(deps.promql === undefined ? {} : { promql: deps.promql }),
  });
  const ruleGroups = new RuleGroups({
    rules,
    engine,
    store,
    promql: deps.promql,
    writeRecords: deps.writeRecords,
    options: ruleFileOptions,
    log,
  });
  await ruleGroups.load(
    fromFile?.prometheus === undefined || config.alertRulesFile === undefined
      ? undefined
      : { file: config.alertRulesFile, groups: fromFile.prometheus },
  );
  await engine.load();
  // Each group runs at its own interval; this tick only looks which are due.
  const groupsTick = new PeriodicTask('prometheus-rule-groups', 1000, () => ruleGroups.runDue(), log);
  const tick = new PeriodicTask(
    'alert-evaluation',
    config.alertEvaluationIntervalMs,
    () => engine.evaluateAll(),
    log,
  );
  const retention = new PeriodicTask(
    'alert-retention',
    3_600_000,
    async () => {
      const deleted = await store.deleteAlertsBefore(Date.now() - config.alertsTtlSeconds * 1000);
      if (deleted > 0) log.info({ deleted }, 'resolved alerts older than ALERTS_TTL deleted');
    },
    log,
  );
  return {
    rules,
    ruleGroups,
    channels: named,
    engine,
    silences,
    outbox,
    store,
    notifier,
    tasks: [tick, retention, groupsTick],
  };
}
