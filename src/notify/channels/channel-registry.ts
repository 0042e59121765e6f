import type { Channel, ChannelType } from './channel.js';
import { alertmanagerChannel } from './alertmanager.js';
import { discordChannel } from './discord.js';
import { emailChannel } from './email.js';
import { slackChannel } from './slack.js';
import { webhookChannel } from './webhook.js';
import { teamsChannel } from './teams.js';
import { telegramChannel } from './telegram.js';
import { pagerdutyChannel } from './pagerduty.js';
import { opsgenieChannel } from './opsgenie.js';
import { ntfyChannel } from './ntfy.js';
import { pushoverChannel } from './pushover.js';
import { gotifyChannel } from './gotify.js';
import { matrixChannel } from './matrix.js';
import { mattermostChannel } from './mattermost.js';
import { googleChatChannel } from './google-chat.js';
import { templateChannel } from './template.js';

/** One entry per channel type; the compiler rejects a type without its channel. */
export const CHANNELS: Readonly<Record<ChannelType, Channel>> = {
  webhook: webhookChannel,
  slack: slackChannel,
  discord: discordChannel,
  email: emailChannel,
  alertmanager: alertmanagerChannel,
  teams: teamsChannel,
  telegram: telegramChannel,
  pagerduty: pagerdutyChannel,
  opsgenie: opsgenieChannel,
  ntfy: ntfyChannel,
  pushover: pushoverChannel,
  gotify: gotifyChannel,
  matrix: matrixChannel,
  mattermost: mattermostChannel,
  'google-chat': googleChatChannel,
  template: templateChannel,
};

export function isChannelType(type: string): type is ChannelType {
  return Object.hasOwn(CHANNELS, type);
}
