import { headline, type Notification } from './notification.js';

/** The description (else the summary) annotation, or empty text. */
export function details(n: Notification): string {
  return n.alert.annotations.description ?? n.alert.annotations.summary ?? '';
}

/** `name=value` pairs of the alert's labels, one string. */
export function labelText(n: Notification, separator = ', '): string {
  return Object.entries(n.alert.labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(separator);
}

/** Headline, description and labels on separate lines: the body of plain-text channels. */
export function plainMessage(n: Notification): string {
  return [headline(n), details(n), labelText(n)].filter((line) => line !== '').join('\n');
}

/** True for the notification that an alert ended (channels that can close an incident do). */
export const isResolved = (n: Notification): boolean => n.event === 'resolved';

/** An http(s) URL, or why not (for a channel's `problem`). */
export function urlProblem(value: string | undefined, what: string): string | undefined {
  if (value === undefined) return `${what} is missing`;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? undefined
      : `${what} must be an http(s) URL`;
  } catch {
    return `${what} must be an http(s) URL`;
  }
}

/** A base URL without its trailing slashes, to append API paths to. */
export const baseUrl = (value: string): string => value.replace(/\/+$/, '');
