import { headline } from '../notification.js';
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
  problem: (target, context) =>
    webhookOf(target, context) === undefined
      ? 'Slack needs a webhook URL as destination, or SLACK_WEBHOOK_URL for a #channel destination'
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
    return postJson(context.guard, webhookOf(target, context) ?? '', body, {
      'idempotency-key': notification.idempotencyKey,
    });
  },
};
