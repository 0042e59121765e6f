import type { Logger } from 'pino';
import type { Alerting } from '../alerting/create-alerting.js';
import type { Config } from '../config/config.js';
import type { AlertStore } from '../storage/ports.js';
import { PeriodicTask } from '../support/periodic-task.js';
import type { Health } from './create-health.js';
import { TlsExpiryNotices } from './tls-expiry-notices.js';

interface TaskDeps {
  config: Readonly<Config>;
  health: Health;
  alerting: Alerting;
  alertStore: AlertStore;
  log: Logger;
}

/** Once a minute, TLS monitors' expiry notices (tls-expiry-notices.ts) through the alerts' outbox. */
export function tlsExpiryNoticeTask({ config, health, alerting, alertStore, log }: TaskDeps): PeriodicTask {
  const notices = new TlsExpiryNotices({
    checker: health.checker,
    store: alertStore,
    outbox: alerting.outbox,
    // The alerts' own mapping: named channels looked up, none meaning the environment's defaults.
    targets: (names) => alerting.notifier.targetsOf(names.map((channel) => ({ channel }))),
    origin: config.serviceName,
    log,
  });
  return new PeriodicTask(
    'tls-expiry-notices',
    60_000,
    async () => {
      const queued = await notices.scan(Date.now());
      if (queued > 0) log.info({ queued }, 'TLS certificate expiry notices queued');
    },
    log,
  );
}
