import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { inSpan } from '../telemetry/tracing.js';
import type { Logger } from 'pino';
import type { AlertStore, OutboxItem, SettleOutcome } from '../storage/ports.js';
import { CHANNELS } from './channels/channel-registry.js';
import type { ChannelContext, ChannelTarget } from './channels/channel.js';
import { DeliveryError, type Notification } from './notification.js';

export interface OutboxOptions {
  /** A notification not delivered after this long is given up (status expired). */
  maxAgeMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Deliveries in flight at once; a slow receiver holds its own, never the others'. */
  maxInFlight: number;
  /**
   * How long a claimed notification stays this outbox's before another one may take it over. Longer than
   * any attempt (channels time out well under it), or a slow attempt could be sent again by another replica.
   */
  claimLeaseMs?: number;
  /** Who claims rows: unique per outbox (several may share one database). */
  owner?: string;
  clock?: () => number;
  random?: () => number;
  /**
   * Told once per delivery that reached its end (delivered, failed or expired) and was recorded by this
   * outbox: the realtime gateway announces it, so a page showing the notification needs no polling.
   */
  onSettled?: (settled: NotificationSettled) => void;
}

/** A delivery that ended, as announced on the bus and the socket (no destination: it may carry a secret). */
export interface NotificationSettled {
  alertId: string | null;
  /** The channel's type (webhook, slack, email…). */
  channel: string;
  status: 'delivered' | 'failed' | 'expired';
  /** Attempts made, this one included. */
  attempts: number;
  /** When it was recorded (epoch ms). */
  at: number;
}

/** hostname, pid and a random part: unique across replicas and restarts. */
export function outboxOwnerId(): string {
  return `${hostname()}:${String(process.pid)}:${randomBytes(4).toString('hex')}`;
}

// Channel attempts time out after ATTEMPT_TIMEOUT_MS (10 to 15 s); a crashed replica's rows wait this long at most.
const DEFAULT_CLAIM_LEASE_MS = 60_000;

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  maxAgeMs: 24 * 3_600_000,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  maxInFlight: 64,
};

/**
 * Durable delivery: a notification is written to the outbox (one row per channel, keyed by its
 * idempotency key so it is never queued twice) before any attempt, then sent, and retried with jittered
 * exponential back-off (Retry-After honoured) until delivered, refused for good (4xx) or expired. Rows
 * survive restarts: whatever was pending is sent when the service is back. Each row is claimed before an
 * attempt (a lease per row, ADR 0012), so outboxes of several replicas on one database send it once.
 */
export class Outbox {
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private passing: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly clock: () => number;
  private readonly random: () => number;
  /** This outbox's claims carry this id; settles by anyone else are refused by the store. */
  readonly owner: string;
  private readonly leaseMs: number;

  constructor(
    private readonly store: AlertStore,
    private readonly context: ChannelContext,
    private readonly log: Logger,
    private readonly options: OutboxOptions = DEFAULT_OUTBOX_OPTIONS,
  ) {
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.owner = options.owner ?? outboxOwnerId();
    this.leaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  }

  async enqueue(
    alertId: string,
    targets: readonly ChannelTarget[],
    notification: Notification,
  ): Promise<void> {
    if (targets.length === 0) return;
    const now = this.clock();
    await this.store.enqueue(
      targets.map((target) => ({
        idempotencyKey: `${notification.idempotencyKey}|${targetKey(target)}`,
        alertId,
        channel: JSON.stringify(target),
        payload: JSON.stringify(notification),
        nextAttemptAt: now,
        createdAt: now,
        expiresAt: now + this.options.maxAgeMs,
      })),
    );
    this.kick();
  }

  /** Polls once a second for retries; enqueue() also starts a pass at once. */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => {
      this.kick();
    }, 1000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.passing;
    await Promise.all(this.inFlight.values());
  }

  /** Resolves when nothing is due or in flight (tests and benchmarks). */
  async drain(): Promise<void> {
    for (;;) {
      await this.pass();
      await Promise.all(this.inFlight.values());
      const next = await this.store.nextDue();
      if (next === undefined || next > this.clock()) return;
    }
  }

  kick(): void {
    if (this.stopped) return;
    if (this.passing !== undefined) {
      this.again = true;
      return;
    }
    void this.pass();
  }

  /** kick() during a pass asks for another one (read through a call: the flag changes behind the loop). */
  private askedAgain(): boolean {
    return this.again;
  }

  private pass(): Promise<void> {
    if (this.passing !== undefined) return this.passing;
    // Cleared in a .finally callback, which always runs after this assignment: a pass that ends without
    // awaiting (no room in flight) must not leave a settled promise behind that blocks every later pass.
    const run = this.claimAndSend().finally(() => {
      this.passing = undefined;
    });
    this.passing = run;
    return run;
  }

  private async claimAndSend(): Promise<void> {
    try {
      do {
        this.again = false;
        const room = this.options.maxInFlight - this.inFlight.size;
        if (room <= 0) break;
        const due = await this.store.claimDue(this.clock(), room, this.owner, this.leaseMs);
        for (const item of due) {
          if (this.inFlight.has(item.id)) continue;
          const attempt = this.attempt(item).finally(() => {
            this.inFlight.delete(item.id);
            if (!this.stopped) this.kick();
          });
          this.inFlight.set(item.id, attempt);
        }
      } while (this.askedAgain());
    } catch (error) {
      this.log.error({ err: error }, 'outbox pass failed');
    }
  }

  private async attempt(item: OutboxItem): Promise<void> {
    const target = JSON.parse(item.channel) as ChannelTarget;
    const notification = JSON.parse(item.payload) as Notification;
    try {
      await inSpan(`notify ${target.type}`, { 'notification.attempt': item.attempts + 1 }, () =>
        CHANNELS[target.type].send(target, notification, this.context),
      );
      await this.settle(item, target, { status: 'delivered', at: this.clock() });
    } catch (error) {
      const failure = error instanceof DeliveryError ? error : new DeliveryError(String(error), true);
      const now = this.clock();
      const backoff = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** item.attempts);
      const delay = Math.max(backoff * (0.5 + this.random() * 0.5), failure.retryAfterMs ?? 0);
      if (!failure.retryable) {
        await this.settle(item, target, { status: 'failed', error: failure.message });
        this.log.warn({ channel: target.type, error: failure.message }, 'notification refused for good');
      } else if (now + delay > item.expiresAt) {
        await this.settle(item, target, { status: 'expired', error: failure.message });
        this.log.warn({ channel: target.type, error: failure.message }, 'notification expired undelivered');
      } else {
        await this.settle(item, target, {
          status: 'pending',
          nextAttemptAt: now + delay,
          error: failure.message,
        });
      }
    }
  }

  /** A refused settle means another outbox took the row over after our lease ended: say so, never hide it. */
  private async settle(item: OutboxItem, target: ChannelTarget, outcome: SettleOutcome): Promise<void> {
    if (await this.store.settle(item.id, this.owner, outcome)) {
      // Announced only once recorded: a listener that reads the row at once sees the outcome.
      if (outcome.status !== 'pending')
        this.options.onSettled?.({
          alertId: item.alertId,
          channel: target.type,
          status: outcome.status,
          attempts: item.attempts + 1,
          at: this.clock(),
        });
      return;
    }
    this.log.warn(
      { notification: item.idempotencyKey, outcome: outcome.status, owner: this.owner },
      'outbox claim lost before the attempt was recorded (lease ended and another outbox took the row)',
    );
  }
}

/** Types whose credential picks the recipient (a bot, a PagerDuty service, a Pushover app…). */
const ADDRESSED_BY_SECRET: ReadonlySet<string> = new Set([
  'telegram',
  'pagerduty',
  'opsgenie',
  'pushover',
  'gotify',
  'matrix',
  'ntfy',
]);

/**
 * What tells two targets of one notification apart in its idempotency key: the type and destination, and,
 * for types whose destination is a shared API, the settings and credential that pick the recipient,
 * hashed (never stored in clear in the key). Keys of targets without either are as they always were.
 */
function targetKey(target: ChannelTarget): string {
  const base = `${target.type}|${target.destination ?? ''}`;
  const settings = Object.entries(target.settings ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const secret = ADDRESSED_BY_SECRET.has(target.type) ? (target.secret ?? '') : '';
  if (settings.length === 0 && secret === '') return base;
  const digest = createHash('sha256')
    .update(JSON.stringify([settings, secret]))
    .digest('hex')
    .slice(0, 16);
  return `${base}|${digest}`;
}
