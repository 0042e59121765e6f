import { DeliveryError, headline } from '../notification.js';
import { postJson } from '../http-post.js';
import { baseUrl, details, isResolved, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

const OPSGENIE_API = 'https://api.opsgenie.com';
const PRIORITY: Record<string, string> = { critical: 'P1', high: 'P2', warning: 'P3' };

/**
 * Opsgenie Alert API: `POST /v2/alerts` while the alert fires (the alert id as `alias`, so Opsgenie
 * de-duplicates repeats into one alert), `POST /v2/alerts/<alias>/close?identifierType=alias` when it
 * ends. Authenticated with `Authorization: GenieKey <API key>`.
 */
export const opsgenieChannel: Channel = {
  secret: { description: 'the API key of an API integration', required: true },
  settings: {
    apiUrl: { description: `the API (default ${OPSGENIE_API}; EU accounts: https://api.eu.opsgenie.com)` },
    responders: { description: 'comma-separated team names to route to' },
  },
  problem: (target) =>
    target.settings?.apiUrl === undefined ? undefined : urlProblem(target.settings.apiUrl, 'apiUrl'),
  send(target, notification, context) {
    if (target.secret === undefined)
      return Promise.reject(new DeliveryError('an Opsgenie channel needs its API key', false));
    const { alert } = notification;
    const api = baseUrl(target.settings?.apiUrl ?? OPSGENIE_API);
    const headers = { authorization: `GenieKey ${target.secret}` };
    if (isResolved(notification))
      return postJson(
        context.guard,
        `${api}/v2/alerts/${encodeURIComponent(alert.id)}/close?identifierType=alias`,
        { source: notification.sentFrom, user: 'metrics-service', note: 'resolved' },
        headers,
      );
    const responders = (target.settings?.responders ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .map((name) => ({ type: 'team', name }));
    const body = {
      message: headline(notification).slice(0, 130),
      alias: alert.id,
      description: details(notification).slice(0, 15_000),
      priority: PRIORITY[alert.severity] ?? 'P4',
      tags: [alert.severity, alert.rule.id],
      details: alert.labels,
      entity: alert.rule.name,
      source: notification.sentFrom,
      ...(responders.length === 0 ? {} : { responders }),
    };
    return postJson(context.guard, `${api}/v2/alerts`, body, headers);
  },
};
