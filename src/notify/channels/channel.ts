import type { EgressGuard } from '../../security/egress-guard.js';
import type { Notification } from '../notification.js';

/** Channel types delivered today; each is one file here and one entry in the registry. */
export const CHANNEL_TYPES = [
  'webhook',
  'slack',
  'discord',
  'email',
  'alertmanager',
  'teams',
  'telegram',
  'pagerduty',
  'opsgenie',
  'ntfy',
  'pushover',
  'gotify',
  'matrix',
  'mattermost',
  'google-chat',
  'template',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** What a rule names: the type and its destination (URL, #channel…), as the seed writes it. */
export interface ChannelTarget {
  type: ChannelType;
  destination: string | undefined;
  /**
   * A named channel's credential, never shown back: the webhook's signing secret (instead of
   * WEBHOOK_SECRET), a bot or API token, a routing key.
   */
  secret?: string;
  /** A named channel's other options (a chat id, a room, a priority…), as its type declares them. */
  settings?: Readonly<Record<string, string>>;
}

/** One option a channel type takes in `settings`. */
export interface SettingSpec {
  description: string;
  required?: boolean;
  /** The values it may take, when it is a choice. */
  allowed?: readonly string[];
}

export interface ChannelContext {
  guard: EgressGuard;
  /** Environment defaults: SLACK_WEBHOOK_URL, the webhook signing secret. */
  slackWebhookUrl: string | undefined;
  webhookSecret: string | undefined;
  /** EMAIL_SMTP_*, EMAIL_FROM, EMAIL_TO; undefined without EMAIL_SMTP_HOST. */
  smtp: SmtpSettings | undefined;
}

export interface SmtpSettings {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  from: string;
  defaultTo: string | undefined;
}

export interface Channel {
  /** The options this type takes in `settings` (none when absent); others are refused when saved. */
  settings?: Readonly<Record<string, SettingSpec>>;
  /** What `secret` is for this type, and whether it must be given. */
  secret?: { description: string; required: boolean };
  /** Why this target can never be delivered, whatever the configuration (refused when saved), or undefined. */
  problem(target: ChannelTarget, context: ChannelContext): string | undefined;
  /**
   * What the environment still lacks for this target (SLACK_WEBHOOK_URL, EMAIL_SMTP_HOST…): the rule is
   * saved with this as a warning, and its deliveries fail with it until the setting is made.
   */
  unconfigured?(target: ChannelTarget, context: ChannelContext): string | undefined;
  /** Delivers once; throws a DeliveryError saying whether to retry. */
  send(target: ChannelTarget, notification: Notification, context: ChannelContext): Promise<void>;
}
