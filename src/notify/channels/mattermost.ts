import { headline } from '../notification.js';
import { postJson } from '../http-post.js';
import { details, isResolved, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

const COLORS: Record<string, string> = { critical: '#d32f2f', high: '#f57c00', warning: '#fbc02d' };

/** Mattermost incoming webhook: the headline as text and one attachment with the labels as short fields. */
export const mattermostChannel: Channel = {
  settings: {
    channel: { description: 'a channel name overriding the webhook default (if the webhook allows it)' },
    username: { description: 'the name shown as sender (if the webhook allows it)' },
  },
  problem: (target) =>
    urlProblem(target.destination, 'Mattermost needs its incoming-webhook URL as destination'),
  send(target, notification, context) {
    const { alert } = notification;
    const body = {
      text: headline(notification),
      ...(target.settings?.channel === undefined ? {} : { channel: target.settings.channel }),
      ...(target.settings?.username === undefined ? {} : { username: target.settings.username }),
      attachments: [
        {
          fallback: headline(notification),
          color: isResolved(notification) ? '#388e3c' : (COLORS[alert.severity] ?? '#1976d2'),
          title: alert.rule.name,
          text: details(notification),
          fields: Object.entries(alert.labels).map(([title, value]) => ({ short: true, title, value })),
        },
      ],
    };
    return postJson(context.guard, target.destination ?? '', body);
  },
};
