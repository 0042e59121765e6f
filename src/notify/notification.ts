/** What every channel is given to deliver: the alert at the moment of the event, and how to tell repeats. */
export interface Notification {
  /** Stable per alert and event (and repeat number): receivers de-duplicate on it. */
  idempotencyKey: string;
  event: 'firing' | 'resolved' | 'repeat';
  alert: {
    id: string;
    rule: { id: string; name: string };
    state: string;
    severity: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    value: number | null;
    startsAt: string;
    endsAt: string | null;
    acknowledged: boolean;
  };
  sentFrom: string;
}

/** The outcome of one attempt; retryable failures come back later, the others stop there. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** One line for chat channels: "[FIRING] High CPU usage — CPU usage is 0.93 (over 0.8)". */
export function headline(n: Notification): string {
  const tag = n.event === 'resolved' ? 'RESOLVED' : 'FIRING';
  const summary = n.alert.annotations.summary;
  return `[${tag}] ${n.alert.rule.name}${summary === undefined ? '' : ` — ${summary}`}`;
}
