import { DeliveryError, headline } from '../notification.js';
import { postJson } from '../http-post.js';
import type { Channel, ChannelTarget, ChannelContext } from './channel.js';

/** The incoming-webhook URL: the destination when it is one, else SLACK_WEBHOOK_URL (destination: #channel). */
function webhookOf(target: ChannelTarget, context: ChannelContext): string | undefined {
  const destination = target.destination;
  if (destination !== undefined && /^https?:\/\//.test(destination)) return destination;
  return context.slackWebhookUrl;
}

/** Slack incoming webhook: a headline and the alert's labels; `#channel` destinations ride on SLACK_WEBHOOK_URL. */
export const slackChannel: Channel = {
  problem: (target) =>
    target.destination === undefined ||
    /^https?:\/\//.test(target.destination) ||
    target.destination.startsWith('#')
      ? undefined
      : 'Slack takes an incoming-webhook URL or a #channel as destination',
  unconfigured: (target, context) =>
    webhookOf(target, context) === undefined
      ? 'SLACK_WEBHOOK_URL is not set: #channel destinations are posted through it'
      : undefined,
  send(target, notification, context) {
    const channel = target.destination?.startsWith('#') === true ? target.destination : undefined;
    const labels = Object.entries(notification.alert.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const body = {
      text: `${headline(notification)}${labels === '' ? '' : `\n${labels}`}`,
      ...(channel === undefined ? {} : { channel }),
    };
    const url = webhookOf(target, context);
    if (url === undefined)
      return Promise.reject(
        new DeliveryError('SLACK_WEBHOOK_URL is not set: nowhere to post #channel messages', false),
      );
    return postJson(context.guard, url, body, {
      'idempotency-key': notification.idempotencyKey,
    });
  },
};
