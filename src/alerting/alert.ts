import type { AlertState } from '../domain/alert-lifecycle.js';
import type { StoredAlert } from '../storage/ports.js';

/** One alert: a rule and a label set, from first pending to resolved, with its timeline. */
export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  severity: string;
  state: AlertState;
  /** The value that last decided (null for health rules and ratios without data). */
  value: number | null;
  pendingAt: number;
  firedAt: number | undefined;
  resolvedAt: number | undefined;
  /** Who resolved it: `condition` (it cleared), `alertmanager`, or the authenticated principal. */
  resolvedBy: string | undefined;
  /** What a person who resolved it by hand wrote. */
  resolutionNote?: string;
  lastTrueAt: number;
  acknowledgedAt: number | undefined;
  /** The authenticated principal who acknowledged it (user name, `token:<name>`). */
  acknowledgedBy: string | undefined;
  /** What they wrote when they did (the body's `note`, or its older free-text `by`). */
  acknowledgementNote?: string;
  lastNotifiedAt: number | undefined;
  /** Notifications sent so far for this alert (first one, repeats). */
  notified: number;
  /** Last time the alert went to Alertmanager targets, which expect firing alerts re-sent. */
  lastResentAt?: number;
  resent?: number;
  /** The silence that kept notifications back, while it does. */
  silencedBy: string | undefined;
}

export function toStored(alert: Alert, now: number): StoredAlert {
  return {
    id: alert.id,
    ruleId: alert.ruleId,
    fingerprint: alert.fingerprint,
    state: alert.state,
    severity: alert.severity,
    startedAt: alert.pendingAt,
    resolvedAt: alert.resolvedAt ?? null,
    updatedAt: now,
    data: JSON.stringify(alert),
  };
}

export function fromStored(stored: StoredAlert): Alert {
  return JSON.parse(stored.data) as Alert;
}

/** A stable identity for a rule's label set: sorted `name=value` pairs, joined. */
export function fingerprintOf(ruleId: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${ruleId}{${pairs.join(',')}}`;
}

/**
 * The alert takes an evaluation's value and the annotations rendered with it: whether either changed
 * (then it is worth storing).
 */
export function observeValue(
  alert: Alert,
  annotations: Record<string, string>,
  value: number | null,
): boolean {
  const keys = Object.keys(annotations);
  const changed =
    alert.value !== value ||
    keys.length !== Object.keys(alert.annotations).length ||
    keys.some((key) => annotations[key] !== alert.annotations[key]);
  alert.value = value;
  alert.annotations = annotations;
  return changed;
}
