import type { Logger } from 'pino';
import type { ChannelTarget } from '../notify/channels/channel.js';
import type { Notification } from '../notify/notification.js';
import type { HealthChecker } from './health-checker.js';
import type { MetaStore } from './push-tokens.js';

const DAY_MS = 86_400_000;
const SENT = 'health.tls-notice.';

export interface TlsNoticeDeps {
  checker: Pick<HealthChecker, 'list'>;
  /** Remembers which notices went out (across restarts): the alert store's key/value facts. */
  store: MetaStore;
  /** The outbox: retries, idempotency (one row per key, whatever races), the egress guard. */
  outbox: {
    enqueue(alertId: string, targets: readonly ChannelTarget[], notification: Notification): Promise<void>;
  };
  /** The channels of a monitor's `noticeChannels`, or the default ones (SLACK_WEBHOOK_URL, EMAIL_TO). */
  targets: (channelNames: readonly string[]) => ChannelTarget[];
  origin: string;
  log: Logger;
}

/**
 * Notices of TLS monitors at 30 / 14 / 7 days before expiry (`tlsNoticeDays`): once per threshold and
 * certificate (its SHA-256 fingerprint), through the outbox like alerts. A renewed certificate has a new
 * fingerprint, so its thresholds start again; one first seen already inside several thresholds gets the
 * tightest one only. Sent markers are stored, and the outbox refuses a second row for the same key, so a
 * restart (or two replicas) never repeats one.
 */
export class TlsExpiryNotices {
  constructor(private readonly deps: TlsNoticeDeps) {}

  /** Looks at every TLS monitor's last check; returns how many notices were queued. */
  async scan(now: number): Promise<number> {
    let queued = 0;
    for (const service of this.deps.checker.list()) {
      const { definition, last } = service;
      const expiresAt = last?.result.tlsExpiresAt;
      const fingerprint = last?.result.tlsFingerprint;
      if (definition.type !== 'tls' || expiresAt === undefined || fingerprint === undefined) continue;
      const daysLeft = (expiresAt - now) / DAY_MS;
      if (daysLeft <= 0) continue; // expired: the monitor is DOWN, and its alert says so
      const crossed = definition.monitor.tlsNoticeDays.filter((days) => daysLeft <= days);
      const threshold = crossed.at(-1); // the tightest (the list is sorted from the largest)
      if (threshold === undefined) continue;
      const key = `${SENT}${definition.name}.${fingerprint}.${String(threshold)}`;
      if ((await this.deps.store.getMeta(key)) !== undefined) continue;
      const id = `tls-expiry:${definition.name}:${fingerprint.replaceAll(':', '').slice(0, 16)}:${String(threshold)}`;
      const targets = this.deps.targets(definition.monitor.noticeChannels);
      try {
        await this.deps.outbox.enqueue(
          id,
          targets,
          this.notification(id, definition.name, definition.displayUrl, daysLeft, expiresAt, threshold, now),
        );
        // Every larger threshold counts as sent too: the tightest one said it all.
        for (const days of crossed)
          await this.deps.store.setMeta(
            `${SENT}${definition.name}.${fingerprint}.${String(days)}`,
            String(now),
          );
        queued++;
      } catch (error) {
        this.deps.log.error({ err: error, service: definition.name }, 'TLS expiry notice not queued');
      }
    }
    return queued;
  }

  private notification(
    id: string,
    service: string,
    url: string,
    daysLeft: number,
    expiresAt: number,
    threshold: number,
    now: number,
  ): Notification {
    const when = new Date(expiresAt).toISOString();
    return {
      idempotencyKey: id,
      event: 'firing',
      alert: {
        id,
        rule: { id: 'tls-certificate-expiry', name: 'TLS certificate expiry' },
        state: 'firing',
        severity: threshold <= 7 ? 'critical' : 'warning',
        labels: { alertname: 'TlsCertificateExpiry', service, threshold_days: String(threshold) },
        annotations: {
          summary: `The certificate of ${service} expires in ${String(Math.floor(daysLeft))} days (${when})`,
          description: `${url}: renew it before ${when}. Notices at ${String(threshold)} days and below are sent once per certificate.`,
        },
        value: Math.round(daysLeft * 100) / 100,
        startsAt: new Date(now).toISOString(),
        endsAt: null,
        acknowledged: false,
      },
      sentFrom: this.deps.origin,
    };
  }
}
