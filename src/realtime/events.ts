/**
 * The socket.io contract, shared by the server and the web page (import type only: no runtime code).
 * The seed's client works as written: `io(url)`, `emit('subscribe', { type: 'system' })`, then
 * `on('metrics')`, `on('system')`, `on('alert')`, `on('health')`, `on('business')`; `on('notification')` for deliveries.
 */
export const SUBSCRIPTION_TYPES = [
  'system',
  'application',
  'business',
  'health',
  'alerts',
  'metric',
  'service',
] as const;
export type SubscriptionType = (typeof SUBSCRIPTION_TYPES)[number];

export interface SubscribeRequest {
  type: SubscriptionType;
  /** The metric (type `metric`) or service (type `service`) name. */
  name?: string;
}

export type Ack =
  | { ok: true; subscriptions: string[] }
  | {
      ok: false;
      code:
        | 'invalid_subscription'
        | 'unknown_metric'
        | 'unknown_service'
        | 'too_many_subscriptions'
        | 'insufficient_scope';
      message: string;
    };

export interface MetricsPush {
  type: SubscriptionType;
  name?: string;
  at: number;
  data: unknown;
}

export interface AlertPush {
  /** pending, fired, resolved, dropped or acknowledged. */
  transition: string;
  alert: unknown;
}

/** A notification's delivery ended: delivered, failed (refused for good) or expired. */
export interface NotificationPush {
  alertId: string | null;
  /** The channel's type (webhook, slack…), never its destination. */
  channel: string;
  status: 'delivered' | 'failed' | 'expired';
  attempts: number;
  at: number;
}

export interface HealthPush {
  service: string;
  previous: string;
  state: string;
  reason: { code: string; message: string } | null;
  at: number;
}

export interface ServerToClientEvents {
  /** Every periodic push, whatever its type (the seed listens here). */
  metrics: (push: MetricsPush) => void;
  system: (data: unknown) => void;
  business: (data: unknown) => void;
  /** Health state changes, at once, to every client. */
  health: (push: HealthPush) => void;
  /** Alert changes, at once, to every client. */
  alert: (push: AlertPush) => void;
  /** A notification's delivery ended, at once, to every client (as `alert`). */
  notification: (push: NotificationPush) => void;
  /** A bad request from a client that gave no acknowledgement callback. */
  error: (error: { code: string; message: string }) => void;
}

export interface ClientToServerEvents {
  subscribe: (request: unknown, ack?: (result: Ack) => void) => void;
  unsubscribe: (request: unknown, ack?: (result: Ack) => void) => void;
}
