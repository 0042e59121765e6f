import type { Channel, ChannelType } from './channel.js';
import { alertmanagerChannel } from './alertmanager.js';
import { discordChannel } from './discord.js';
import { emailChannel } from './email.js';
import { slackChannel } from './slack.js';
import { webhookChannel } from './webhook.js';

/** One entry per channel type; the compiler rejects a type without its channel. */
export const CHANNELS: Readonly<Record<ChannelType, Channel>> = {
  webhook: webhookChannel,
  slack: slackChannel,
  discord: discordChannel,
  email: emailChannel,
  alertmanager: alertmanagerChannel,
};

export function isChannelType(type: string): type is ChannelType {
  return Object.hasOwn(CHANNELS, type);
}
