import { ALERTMANAGER_RESEND_MS } from '../notify/channels/alertmanager.js';
import type { Outbox } from '../notify/outbox.js';
import { isChannelType } from '../notify/channels/channel-registry.js';
import type { ChannelTarget } from '../notify/channels/channel.js';
import type { Notification } from '../notify/notification.js';
import type { Alert } from './alert.js';
import type { ChannelBook } from './channel-book.js';
import type { Rule } from './rule.js';
import type { ChannelRef } from './rule-schema.js';
import { silenceLabels, type SilenceSet } from './silences.js';

/**
 * Decides who hears about an alert and when: its rule's channels (or the defaults from the environment)
 * when it fires, again every repeat interval while it fires unacknowledged, and once when it resolves
 * if it was announced. A silence covering the alert keeps all of that back while it lasts.
 */
export class AlertNotifier {
  constructor(
    private readonly outbox: Outbox,
    private readonly silences: SilenceSet,
    private readonly defaults: readonly ChannelTarget[],
    private readonly named: ChannelBook,
    private readonly origin: string,
  ) {}

  async fired(alert: Alert, rule: Rule, now: number): Promise<void> {
    if (this.silenced(alert, now)) return;
    await this.send(alert, rule, 'firing', now);
  }

  async resolved(alert: Alert, rule: Rule | undefined, now: number): Promise<void> {
    if (alert.notified === 0 || rule === undefined) return;
    await this.send(alert, rule, 'resolved', now);
  }

  /**
   * Called on each evaluation of a firing alert: repeats to people when the repeat interval has passed
   * (not once acknowledged), and re-sends to Alertmanager every minute whatever happens, since it resolves
   * alerts that stop coming.
   */
  async maybeRepeat(alert: Alert, rule: Rule, now: number): Promise<void> {
    if (alert.state !== 'firing' || this.silenced(alert, now)) return;
    if (alert.notified === 0) {
      await this.send(alert, rule, 'firing', now); // it was silenced when it fired
      return;
    }
    const people = this.targets(rule).filter((t) => t.type !== 'alertmanager');
    if (
      alert.acknowledgedAt === undefined &&
      people.length > 0 &&
      alert.lastNotifiedAt !== undefined &&
      now - alert.lastNotifiedAt >= rule.repeatIntervalMs
    ) {
      await this.send(alert, rule, 'repeat', now, people);
      return;
    }
    const managers = this.targets(rule).filter((t) => t.type === 'alertmanager');
    if (
      managers.length > 0 &&
      now - (alert.lastResentAt ?? alert.lastNotifiedAt ?? 0) >= ALERTMANAGER_RESEND_MS
    ) {
      alert.resent = (alert.resent ?? 0) + 1;
      alert.lastResentAt = now;
      await this.outbox.enqueue(
        alert.id,
        managers,
        this.notification(alert, rule, 'repeat', `resend-${String(alert.resent)}`),
      );
    }
  }

  targets(rule: Rule): ChannelTarget[] {
    return this.targetsOf(rule.channels);
  }

  /**
   * Where notifications for these channel references go: inline ones as given, named ones looked up (an
   * unknown name is skipped), none at all meaning the environment's defaults. Also used by the TLS expiry
   * notices, so both send to the same places.
   */
  targetsOf(channels: readonly ChannelRef[]): ChannelTarget[] {
    const targets: ChannelTarget[] = [];
    for (const ref of channels) {
      if ('type' in ref) {
        if (isChannelType(ref.type)) targets.push({ type: ref.type, destination: ref.destination });
        continue;
      }
      const named = this.named.find(ref.channel);
      if (named !== undefined)
        targets.push({
          type: named.type,
          destination: named.destination,
          ...(named.secret === undefined ? {} : { secret: named.secret }),
          ...(named.settings === undefined ? {} : { settings: named.settings }),
        });
    }
    return channels.length === 0 ? [...this.defaults] : targets;
  }

  private silenced(alert: Alert, now: number): boolean {
    alert.silencedBy = this.silences.match(
      silenceLabels(alert.labels, alert.ruleName, alert.ruleId, alert.severity),
      now,
    );
    return alert.silencedBy !== undefined;
  }

  private async send(
    alert: Alert,
    rule: Rule,
    event: Notification['event'],
    now: number,
    targets: readonly ChannelTarget[] = this.targets(rule),
  ): Promise<void> {
    const notification = this.notification(
      alert,
      rule,
      event,
      event === 'resolved' ? 'resolved' : `firing-${String(alert.notified)}`,
    );
    alert.notified++;
    alert.lastNotifiedAt = now;
    await this.outbox.enqueue(alert.id, targets, notification);
  }

  private notification(alert: Alert, rule: Rule, event: Notification['event'], key: string): Notification {
    return {
      idempotencyKey: `${alert.id}:${key}`,
      event,
      alert: {
        id: alert.id,
        rule: { id: rule.id, name: rule.name },
        state: alert.state,
        severity: alert.severity,
        labels: alert.labels,
        annotations: alert.annotations,
        value: alert.value,
        startsAt: new Date(alert.firedAt ?? alert.pendingAt).toISOString(),
        endsAt: alert.resolvedAt === undefined ? null : new Date(alert.resolvedAt).toISOString(),
        acknowledged: alert.acknowledgedAt !== undefined,
      },
      sentFrom: this.origin,
    };
  }
}
