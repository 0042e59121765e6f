import { createHash } from 'node:crypto';
import { DeliveryError, headline } from '../notification.js';
import { sendHttp } from '../http-post.js';
import { baseUrl, details, labelText, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

/**
 * Matrix client-server API: `PUT /_matrix/client/v3/rooms/<room>/send/m.room.message/<txnId>` with the
 * access token of a bot account. The transaction id is derived from the notification's idempotency key,
 * so a retried delivery is the same transaction and the homeserver posts it once.
 */
export const matrixChannel: Channel = {
  secret: { description: "the bot account's access token", required: true },
  settings: {
    roomId: { description: 'the room id (!abc:example.org) the bot has joined', required: true },
  },
  problem: (target) =>
    urlProblem(target.destination, 'Matrix needs the homeserver URL as destination') ??
    (target.settings?.roomId !== undefined && !/^![^:]+:.+$/.test(target.settings.roomId)
      ? 'roomId must look like !opaque:server'
      : undefined),
  send(target, notification, context) {
    const roomId = target.settings?.roomId;
    if (target.secret === undefined || roomId === undefined)
      return Promise.reject(new DeliveryError('a Matrix channel needs its access token and roomId', false));
    const lines = [headline(notification), details(notification), labelText(notification)].filter(
      (l) => l !== '',
    );
    const body = {
      msgtype: 'm.text',
      body: lines.join('\n'),
      format: 'org.matrix.custom.html',
      formatted_body: `<strong>${escapeHtml(lines[0] ?? '')}</strong>${lines
        .slice(1)
        .map((line) => `<br>${escapeHtml(line)}`)
        .join('')}`,
    };
    const txnId = createHash('sha256').update(notification.idempotencyKey).digest('hex').slice(0, 32);
    const url = `${baseUrl(target.destination ?? '')}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txnId}`;
    return sendHttp(context.guard, url, {
      method: 'PUT',
      body: JSON.stringify(body),
      contentType: 'application/json',
      headers: { authorization: `Bearer ${target.secret}` },
    });
  },
};
