import { DeliveryError, headline } from '../notification.js';
import { postJson } from '../http-post.js';
import { baseUrl, details, isResolved, labelText, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

const PUSHOVER_API = 'https://api.pushover.net';

/**
 * Pushover Message API (`POST /1/messages.json`): the application's API token is the secret, the user (or
 * group) key a setting. Critical alerts are sent with high priority (1), which bypasses quiet hours; the
 * emergency priority (2) needs acknowledgement handling Pushover-side and is not used.
 */
export const pushoverChannel: Channel = {
  secret: { description: "the application's API token", required: true },
  settings: {
    user: { description: 'the user or group key to notify', required: true },
    device: { description: 'one device name of the user (all when absent)' },
    sound: { description: 'a Pushover sound name' },
    apiUrl: { description: `the API (default ${PUSHOVER_API})` },
  },
  problem: (target) =>
    target.settings?.apiUrl === undefined ? undefined : urlProblem(target.settings.apiUrl, 'apiUrl'),
  send(target, notification, context) {
    const user = target.settings?.user;
    if (target.secret === undefined || user === undefined)
      return Promise.reject(new DeliveryError('a Pushover channel needs its API token and user key', false));
    const body = {
      token: target.secret,
      user,
      title: headline(notification).slice(0, 250),
      message: (
        [details(notification), labelText(notification)].filter((line) => line !== '').join('\n') ||
        headline(notification)
      ).slice(0, 1024),
      priority: !isResolved(notification) && notification.alert.severity === 'critical' ? 1 : 0,
      timestamp: Math.floor(Date.parse(notification.alert.endsAt ?? notification.alert.startsAt) / 1000),
      ...(target.settings?.device === undefined ? {} : { device: target.settings.device }),
      ...(target.settings?.sound === undefined ? {} : { sound: target.settings.sound }),
    };
    const api = baseUrl(target.settings?.apiUrl ?? PUSHOVER_API);
    return postJson(context.guard, `${api}/1/messages.json`, body);
  },
};
