import { headline } from '../notification.js';
import { postJson } from '../http-post.js';
import { details, isResolved, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

/**
 * Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is received"):
 * a message carrying one Adaptive Card (schema 1.4) with the headline, the description and the labels as
 * facts. The retired Office 365 connectors took MessageCards; Workflows take this shape.
 */
export const teamsChannel: Channel = {
  problem: (target) => urlProblem(target.destination, 'Teams needs its Workflows webhook URL as destination'),
  send(target, notification, context) {
    const card = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        {
          type: 'TextBlock',
          text: headline(notification),
          weight: 'Bolder',
          size: 'Medium',
          wrap: true,
          color: isResolved(notification) ? 'Good' : 'Attention',
        },
        ...(details(notification) === ''
          ? []
          : [{ type: 'TextBlock', text: details(notification), wrap: true }]),
        {
          type: 'FactSet',
          facts: [
            { title: 'severity', value: notification.alert.severity },
            ...Object.entries(notification.alert.labels).map(([title, value]) => ({ title, value })),
          ],
        },
      ],
    };
    const body = {
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
      ],
    };
    return postJson(context.guard, target.destination ?? '', body, {
      'idempotency-key': notification.idempotencyKey,
    });
  },
};
