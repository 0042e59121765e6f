import type { Logger } from 'pino';
import type { Alerting } from '../alerting/create-alerting.js';
import type { Config } from '../config/config.js';
import type { ChannelTarget } from '../notify/channels/channel.js';
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
  // The same defaults as alert rules without channels: SLACK_WEBHOOK_URL and EMAIL_TO.
  const defaults: ChannelTarget[] = [
    ...(config.slackWebhookUrl === undefined ? [] : [{ type: 'slack' as const, destination: undefined }]),
    ...(config.emailSmtpHost === undefined || config.emailTo === undefined
      ? []
      : [{ type: 'email' as const, destination: undefined }]),
  ];
  const notices = new TlsExpiryNotices({
    checker: health.checker,
    store: alertStore,
    outbox: alerting.outbox,
    targets: (names) => {
      if (names.length === 0) return defaults;
      return names.flatMap((name) => {
        const channel = alerting.channels.find(name);
        if (channel === undefined) return [];
        return [
          {
            type: channel.type,
            destination: channel.destination,
            ...(channel.secret === undefined ? {} : { secret: channel.secret }),
            ...(channel.settings === undefined ? {} : { settings: channel.settings }),
          },
        ];
      });
    },
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
