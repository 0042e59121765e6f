import { createHmac } from 'node:crypto';
import { postJson } from '../http-post.js';
import type { Channel } from './channel.js';

/**
 * Generic webhook: the notification as JSON, an Idempotency-Key header, and, when a secret is configured
 * (the channel's own, else WEBHOOK_SECRET), `X-Metrics-Service-Signature: sha256=<hex HMAC of the body>` so the receiver can tell
 * the request came from us and was not altered.
 */
export const webhookChannel: Channel = {
  secret: { description: 'the HMAC signing secret, 16 characters or more', required: false },
  problem: (target) =>
    target.destination === undefined || !/^https?:\/\//.test(target.destination)
      ? 'a webhook needs an http(s) URL as destination'
      : target.secret !== undefined && target.secret.length < 16
        ? 'a webhook signing secret needs 16 characters or more'
        : undefined,
  send(target, notification, context) {
    const body = JSON.stringify(notification);
    const headers: Record<string, string> = { 'idempotency-key': notification.idempotencyKey };
    const secret = target.secret ?? context.webhookSecret;
    if (secret !== undefined)
      headers['x-metrics-service-signature'] =
        `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return postJson(context.guard, target.destination ?? '', body, headers);
  },
};
