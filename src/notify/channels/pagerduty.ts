import { DeliveryError } from '../notification.js';
import { postJson } from '../http-post.js';
import { baseUrl, isResolved, urlProblem } from '../message-text.js';
import { headline } from '../notification.js';
import type { Channel } from './channel.js';

const PAGERDUTY_EVENTS = 'https://events.pagerduty.com';
/** PagerDuty's four severities, from ours. */
const SEVERITY: Record<string, string> = { critical: 'critical', high: 'error', warning: 'warning' };

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): a trigger while the alert fires and a resolve when it
 * ends, both with the alert's id as `dedup_key`, so PagerDuty keeps one incident per alert, repeats
 * included, and closes it.
 */
export const pagerdutyChannel: Channel = {
  secret: { description: 'the integration (routing) key of an Events API v2 integration', required: true },
  settings: {
    apiUrl: {
      description: `the Events API (default ${PAGERDUTY_EVENTS}; EU accounts: https://events.eu.pagerduty.com)`,
    },
  },
  problem: (target) =>
    target.settings?.apiUrl === undefined ? undefined : urlProblem(target.settings.apiUrl, 'apiUrl'),
  send(target, notification, context) {
    if (target.secret === undefined)
      return Promise.reject(new DeliveryError('a PagerDuty channel needs its routing key', false));
    const { alert } = notification;
    const body = isResolved(notification)
      ? { routing_key: target.secret, event_action: 'resolve', dedup_key: alert.id }
      : {
          routing_key: target.secret,
          event_action: 'trigger',
          dedup_key: alert.id,
          payload: {
            summary: headline(notification).slice(0, 1024),
            source: notification.sentFrom,
            severity: SEVERITY[alert.severity] ?? 'info',
            timestamp: alert.startsAt,
            component: alert.labels.service ?? alert.labels.job,
            group: alert.rule.name,
            class: alert.rule.id,
            custom_details: { labels: alert.labels, annotations: alert.annotations, value: alert.value },
          },
          client: 'metrics-service',
        };
    const api = baseUrl(target.settings?.apiUrl ?? PAGERDUTY_EVENTS);
    return postJson(context.guard, `${api}/v2/enqueue`, body);
  },
};
