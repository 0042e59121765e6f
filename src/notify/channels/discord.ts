import { headline } from '../notification.js';
import { postJson } from '../http-post.js';
import type { Channel } from './channel.js';

const COLORS: Record<string, number> = { critical: 0xd32f2f, high: 0xf57c00, warning: 0xfbc02d };

/** Discord webhook: an embed with the headline, the description annotation and the labels as fields. */
export const discordChannel: Channel = {
  problem: (target) =>
    target.destination === undefined || !/^https?:\/\//.test(target.destination)
      ? 'Discord needs its webhook URL as destination'
      : undefined,
  send(target, notification, context) {
    const { alert } = notification;
    const body = {
      content: headline(notification),
      embeds: [
        {
          title: alert.rule.name,
          description: alert.annotations.description ?? alert.annotations.summary ?? '',
          color: notification.event === 'resolved' ? 0x388e3c : (COLORS[alert.severity] ?? 0x1976d2),
          fields: Object.entries(alert.labels)
            .slice(0, 25)
            .map(([name, value]) => ({ name, value, inline: true })),
          timestamp: alert.startsAt,
        },
      ],
    };
    return postJson(context.guard, target.destination ?? '', body);
  },
};
