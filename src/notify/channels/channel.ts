import type { EgressGuard } from '../../security/egress-guard.js';
import type { Notification } from '../notification.js';

/** Channel types delivered today; each is one file here and one entry in the registry. */
export type ChannelType = 'webhook' | 'slack' | 'discord' | 'email' | 'alertmanager';

/** What a rule names: the type and its destination (URL, #channel…), as the seed writes it. */
export interface ChannelTarget {
  type: ChannelType;
  destination: string | undefined;
  /** A named channel's own signing secret (webhook), instead of WEBHOOK_SECRET. */
  secret?: string;
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
