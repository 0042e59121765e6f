import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/notify/notification.js';
import { Outbox, DEFAULT_OUTBOX_OPTIONS } from '../../src/notify/outbox.js';
import { EgressGuard } from '../../src/security/egress-guard.js';
import { PgAlertStore } from '../../src/storage/postgres/pg-alert-store.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { type TestDatabase, createTestDatabase } from '../support/postgres.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

const sign = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const SKIP = await skipUnlessServers([POSTGRES]);
const NOTIFICATIONS = 200;

const notification = (i: number): Notification => ({
  idempotencyKey: `alert-${String(i)}:firing:0`,
  event: 'firing',
  alert: {
    id: `alert-${String(i)}`,
    rule: { id: 'r1', name: 'Queue' },
    state: 'firing',
    severity: 'warning',
    labels: { queue: String(i) },
    annotations: {},
    value: i,
    startsAt: new Date(0).toISOString(),
    endsAt: null,
    acknowledged: false,
  },
  sentFrom: 'test',
});

/**
 * Two outbox loops on one PostgreSQL database (two pools, as two replicas would have) deliver every
 * notification once: rows are claimed with FOR UPDATE SKIP LOCKED, so neither sends what the other holds.
 */
describe('outbox claims on PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  let receiver: Receiver;
  const pools: PgDatabase[] = [];
  before(async () => {
    database = await createTestDatabase('outbox');
    receiver = await startReceiver();
  });
  after(async () => {
    for (const pool of pools) await pool.end();
    await receiver.close();
    await database.drop();
  });

  it('sends each notification once with two outboxes enqueuing and delivering at the same time', async () => {
    const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
    // Each outbox signs with its own secret: the receiver can tell which one sent a request.
    const context = (owner: string) => ({
      guard: new EgressGuard(['127.0.0.1']),
      slackWebhookUrl: undefined,
      webhookSecret: owner,
      smtp: undefined,
    });
    const outboxes = await Promise.all(
      ['replica-a', 'replica-b'].map(async (owner) => {
        const db = new PgDatabase({ url: database.url, max: 4 });
        pools.push(db);
        await migratePostgres(db);
        return new Outbox(new PgAlertStore(db), context(owner), log, {
          ...DEFAULT_OUTBOX_OPTIONS,
          owner,
          maxInFlight: 8,
        });
      }),
    );
    for (const outbox of outboxes) outbox.start();
    const target = [{ type: 'webhook' as const, destination: `${receiver.base}/hook` }];
    // Both replicas evaluated the same alerts: both enqueue every notification (the key keeps one row).
    await Promise.all(
      outboxes.flatMap((outbox) =>
        Array.from({ length: NOTIFICATIONS }, (_, i) =>
          outbox.enqueue(`alert-${String(i)}`, target, notification(i)),
        ),
      ),
    );
    await receiver.waitFor(NOTIFICATIONS, 30_000);
    await Promise.all(outboxes.map((outbox) => outbox.drain()));
    await Promise.all(outboxes.map((outbox) => outbox.stop()));

    const perKey = new Map<string, number>();
    const bySender = new Map<string, number>();
    for (const r of receiver.received) {
      const key = String(r.headers['idempotency-key']);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      const signature = String(r.headers['x-metrics-service-signature']);
      const sender = signature === sign('replica-a', r.raw) ? 'a' : 'b';
      bySender.set(sender, (bySender.get(sender) ?? 0) + 1);
    }
    assert.equal(bySender.size, 2, `both outboxes delivered a share: ${JSON.stringify([...bySender])}`);
    assert.equal(perKey.size, NOTIFICATIONS);
    assert.deepEqual(
      [...perKey].filter(([, n]) => n !== 1),
      [],
      'no notification sent twice',
    );
    const [counts] = await pools[0]!.rows<{ delivered: number; total: number }>(
      "SELECT count(*) FILTER (WHERE status = 'delivered') AS delivered, count(*) AS total FROM notifications",
    );
    assert.deepEqual(counts, { delivered: NOTIFICATIONS, total: NOTIFICATIONS });
  });
});
