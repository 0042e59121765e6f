import { DeliveryError, headline } from '../notification.js';
import { postJson } from '../http-post.js';
import { baseUrl, details, isResolved, labelText, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

const PRIORITY: Record<string, number> = { critical: 8, high: 6, warning: 4 };

/** Gotify (`POST <server>/message` with the application token in `X-Gotify-Key`), markdown body. */
export const gotifyChannel: Channel = {
  secret: { description: "the application's token", required: true },
  problem: (target) => urlProblem(target.destination, 'Gotify needs its server URL as destination'),
  send(target, notification, context) {
    if (target.secret === undefined)
      return Promise.reject(new DeliveryError('a Gotify channel needs its application token', false));
    const labels = labelText(notification, '  \n');
    const body = {
      title: headline(notification),
      message:
        [details(notification), labels].filter((line) => line !== '').join('\n\n') || headline(notification),
      priority: isResolved(notification) ? 2 : (PRIORITY[notification.alert.severity] ?? 2),
      extras: { 'client::display': { contentType: 'text/markdown' } },
    };
    return postJson(context.guard, `${baseUrl(target.destination ?? '')}/message`, body, {
      'x-gotify-key': target.secret,
    });
  },
};
