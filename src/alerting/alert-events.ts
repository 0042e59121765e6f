import type { Transition } from '../domain/alert-lifecycle.js';
import type { NotificationSettled } from '../notify/outbox.js';
import type { Alert } from './alert.js';

/** An alert changed: pending, fired, resolved, dropped, acknowledged. For realtime and the audit log. */
export interface AlertChange {
  alert: Alert;
  transition: Transition | 'acknowledged';
}

export interface AlertEvents {
  'alert.changed': AlertChange;
  /** An alert's notification was delivered, refused for good or expired (the outbox recorded it). */
  'notification.settled': NotificationSettled;
}
