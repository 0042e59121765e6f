import type { Logger } from 'pino';
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
  channels: ChannelBook;
  engine: AlertEngine;
  silences: SilenceSet;
  outbox: Outbox;
  store: AlertStore;
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
}

/** ALERT_RULES_FILE: `rules:` followed by rule objects (with an optional stable `id`), as the API takes them. */
async function loadRulesFile(file: string): Promise<(RuleInput & { id?: string })[]> {
  const rules = await loadListFile('ALERT_RULES_FILE', file, 'rules', RuleInputSchema, ['id']);
  return rules as (RuleInput & { id?: string })[];
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
  await rules.load(config.alertRulesFile === undefined ? [] : await loadRulesFile(config.alertRulesFile));
  const silences = new SilenceSet();
  for (const { id, data } of await store.loadSilences()) {
    const { silence, repaired } = storedSilence(data);
    if (repaired) log.warn({ silence: id }, 'stored silence had a time out of range; read clamped');
    silences.put(silence);
  }
  const outbox = new Outbox(store, channels, log, {
    ...DEFAULT_OUTBOX_OPTIONS,
    maxAgeMs: config.notifyMaxAgeSeconds * 1000,
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
  });
  await engine.load();
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
  return { rules, channels: named, engine, silences, outbox, store, tasks: [tick, retention] };
}
