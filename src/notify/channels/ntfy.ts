import { DeliveryError, headline } from '../notification.js';
import { postJson } from '../http-post.js';
import { details, isResolved, labelText, urlProblem } from '../message-text.js';
import type { Channel, ChannelTarget } from './channel.js';

/** ntfy's priorities (1 min … 5 urgent), from our severities. */
const PRIORITY: Record<string, number> = { critical: 5, high: 4, warning: 3 };

/** The server and the topic of a topic URL (`https://ntfy.sh/alerts` → `https://ntfy.sh`, `alerts`). */
function topicOf(target: ChannelTarget): { server: string; topic: string } | undefined {
  try {
    const url = new URL(target.destination ?? '');
    const parts = url.pathname.split('/').filter((part) => part !== '');
    const topic = parts.pop();
    if (topic === undefined || !/^[-_A-Za-z0-9]{1,64}$/.test(topic)) return undefined;
    return { server: `${url.origin}${parts.length === 0 ? '' : `/${parts.join('/')}`}`, topic };
  } catch {
    return undefined;
  }
}

/**
 * ntfy (self-hosted or ntfy.sh): a JSON publish to the server root, which carries a title and tags in any
 * language (header-based publishing cannot carry non-ASCII titles). An access token, when the topic is
 * protected, is the secret.
 */
export const ntfyChannel: Channel = {
  secret: { description: 'an access token (tk_…) for a protected topic', required: false },
  problem: (target) =>
    urlProblem(target.destination, 'ntfy needs the topic URL as destination (https://ntfy.sh/<topic>)') ??
    (topicOf(target) === undefined
      ? 'the destination must end with a topic name ([-_A-Za-z0-9]{1,64})'
      : undefined),
  send(target, notification, context) {
    const where = topicOf(target);
    if (where === undefined) return Promise.reject(new DeliveryError('the ntfy topic URL is invalid', false));
    const body = {
      topic: where.topic,
      title: headline(notification),
      message:
        [details(notification), labelText(notification)].filter((line) => line !== '').join('\n') ||
        headline(notification),
      priority: isResolved(notification) ? 3 : (PRIORITY[notification.alert.severity] ?? 3),
      tags: [isResolved(notification) ? 'white_check_mark' : 'rotating_light', notification.alert.severity],
    };
    const headers: Record<string, string> =
      target.secret === undefined ? {} : { authorization: `Bearer ${target.secret}` };
    return postJson(context.guard, `${where.server}/`, body, headers);
  },
};
