import type { Notification } from '../notification.js';

/**
 * The placeholders of a template channel: the annotations' kind (`{{value}}`, `{{rule}}`,
 * `{{labels.name}}`) and the rest of the notification's fields, nothing else: no filters, no
 * expressions, no includes, so a template can never read a file or run code.
 */
const PLACEHOLDER =
  /\{\{\s*(event|rule|ruleId|alertId|severity|state|value|summary|description|startsAt|endsAt|idempotencyKey|sentFrom|secret|(labels|annotations)\.([a-zA-Z_][a-zA-Z0-9_]*))\s*\}\}/g;

/** How a substituted value is escaped: inside a JSON string, in a form body, or as it is. */
export type Escaping = 'json' | 'form' | 'none';

export function escapingFor(contentType: string): Escaping {
  if (/\bjson\b/i.test(contentType)) return 'json';
  if (/x-www-form-urlencoded/i.test(contentType)) return 'form';
  return 'none';
}

function escape(value: string, escaping: Escaping): string {
  if (escaping === 'json') return JSON.stringify(value).slice(1, -1);
  if (escaping === 'form') return encodeURIComponent(value);
  return value;
}

/**
 * Fills a template with the notification. The secret is only offered where `secret` is given (headers),
 * so it cannot be echoed into a body a receiver might log.
 */
export function renderNotification(
  template: string,
  n: Notification,
  escaping: Escaping,
  secret?: string,
): string {
  const { alert } = n;
  const fields: Record<string, string> = {
    event: n.event,
    rule: alert.rule.name,
    ruleId: alert.rule.id,
    alertId: alert.id,
    severity: alert.severity,
    state: alert.state,
    value: alert.value === null ? '' : String(alert.value),
    summary: alert.annotations.summary ?? '',
    description: alert.annotations.description ?? '',
    startsAt: alert.startsAt,
    endsAt: alert.endsAt ?? '',
    idempotencyKey: n.idempotencyKey,
    sentFrom: n.sentFrom,
  };
  return template.replace(
    PLACEHOLDER,
    (_match, key: string, map: 'labels' | 'annotations' | undefined, name: string | undefined) => {
      let value: string;
      if (map !== undefined && name !== undefined) {
        // Own keys only: `labels.__proto__` must not reach Object.prototype.
        const source = alert[map];
        value = Object.hasOwn(source, name) ? (source[name] ?? '') : '';
      } else if (key === 'secret') value = secret ?? '';
      else value = fields[key] ?? '';
      return escape(value, escaping);
    },
  );
}

/** A notification with every field filled, to check a template renders to a valid body when saved. */
export const SAMPLE_NOTIFICATION: Notification = {
  idempotencyKey: 'sample:firing-0',
  event: 'firing',
  alert: {
    id: 'sample',
    rule: { id: 'sample-rule', name: 'Sample "rule"' },
    state: 'firing',
    severity: 'warning',
    labels: { service: 'booking\n"x"' },
    annotations: { summary: 'Sample summary with "quotes"', description: 'Line 1\nLine 2' },
    value: 0.5,
    startsAt: new Date(0).toISOString(),
    endsAt: null,
    acknowledged: false,
  },
  sentFrom: 'http://metrics-service',
};
