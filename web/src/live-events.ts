import type { AlertPush, NotificationPush } from '../../src/realtime/events.js';

/**
 * The socket's alert and notification events and reconnections, for views mounted after the socket opened (main.ts owns the
 * socket and feeds these; a view subscribes on mount and unsubscribes in its cleanup).
 */
type Listener<T> = (value: T) => void;

const alertListeners = new Set<Listener<AlertPush>>();
const notificationListeners = new Set<Listener<NotificationPush>>();
const reconnectListeners = new Set<Listener<void>>();

function subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

/** Every `alert` socket event (pending, fired, resolved, dropped, acknowledged). Returns the unsubscribe. */
export const onAlertEvent = (listener: Listener<AlertPush>): (() => void) =>
  subscribe(alertListeners, listener);

/** Every `notification` socket event (a delivery delivered, failed or expired). Returns the unsubscribe. */
export const onNotificationEvent = (listener: Listener<NotificationPush>): (() => void) =>
  subscribe(notificationListeners, listener);

/** The socket connected again after a cut: events sent meanwhile were missed. Returns the unsubscribe. */
export const onReconnect = (listener: Listener<void>): (() => void) =>
  subscribe(reconnectListeners, listener);

export function publishAlertEvent(push: AlertPush): void {
  for (const listener of alertListeners) listener(push);
}

export function publishNotificationEvent(push: NotificationPush): void {
  for (const listener of notificationListeners) listener(push);
}

export function publishReconnect(): void {
  for (const listener of reconnectListeners) listener();
}

/** The id of the alert an `alert` event is about (the push carries the alert's public view). */
export function alertIdOf(push: AlertPush): string | undefined {
  const alert = push.alert as { id?: unknown } | null;
  return typeof alert?.id === 'string' ? alert.id : undefined;
}
