import { postJson } from '../http-post.js';
import type { Channel } from './channel.js';

/** How often a firing alert is re-sent to Alertmanager (it resolves alerts it stops hearing about). */
export const ALERTMANAGER_RESEND_MS = 60_000;

/**
 * Alertmanager's own API (`POST /api/v2/alerts`), so its routing, grouping, inhibition and receivers
 * (Discord, PagerDuty…) apply to our alerts as to Prometheus'. Firing alerts carry an end time four resend
 * intervals ahead and are re-sent every minute while they fire, as Prometheus does; resolved ones carry
 * their resolution time.
 */
export const alertmanagerChannel: Channel = {
  problem: (target) =>
    target.destination === undefined || !/^https?:\/\//.test(target.destination)
      ? 'Alertmanager needs its base URL as destination (http://alertmanager:9093)'
      : undefined,
  send(target, notification, context) {
    const { alert } = notification;
    const endsAt = alert.endsAt ?? new Date(Date.now() + 4 * ALERTMANAGER_RESEND_MS).toISOString();
    const body = [
      {
        labels: { alertname: alert.rule.name, severity: alert.severity, ...alert.labels },
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        endsAt,
      },
    ];
    const base = (target.destination ?? '').replace(/\/+$/, '');
    return postJson(context.guard, `${base}/api/v2/alerts`, body);
  },
};
