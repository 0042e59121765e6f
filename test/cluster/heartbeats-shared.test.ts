import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HealthChange } from '../../src/health/health-events.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { send } from '../support/http.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SKIP = await skipUnlessServers([POSTGRES]);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  name: string;
  heartbeats: { at: number; state: string }[];
}

/**
 * Issues 19 and 20 (ADR 0032), scaled out on one PostgreSQL database: two replicas, of which `b` (the primary)
 * checks every service and `a` none (the assignment is set by hand: rendezvous hashing is not under test). The services
 * table on either replica shows the same bars, and heartbeats pushed to `a` keep a push monitor that `b`
 * checks UP; when they stop, `b` says DOWN at interval + grace, from the deadline of the stored heartbeat.
 */
describe('heartbeats shared by replicas (PostgreSQL)', { skip: SKIP }, () => {
  let database: TestDatabase;
  let target: Server;
  const apps: TestApp[] = [];
  /** `a` receives pushes and checks nothing; `b` (the primary) checks every service. */
  let a: TestApp;
  let b: TestApp;

  before(async () => {
    database = await createTestDatabase('heartbeats_shared');
    target = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    for (const id of ['replica-a', 'replica-b'])
      apps.push(
        await startTestApp({ DATABASE_URL: database.url, REPLICA_ID: id, EGRESS_ALLOWLIST: '127.0.0.1' }),
      );
    // The lease picks the primary (ADR 0020). It checks every service, the follower none: the follower's
    // check samples would go to the primary by forwarding, which is another suite's subject.
    const deadline = Date.now() + 20_000;
    while (!apps.some((app) => app.services.role === 'primary')) {
      assert.ok(Date.now() < deadline, 'one replica won the lease within 20 s');
      await sleep(100);
    }
    if (apps[0]!.services.role === 'primary') apps.reverse();
    [a, b] = [apps[0]!, apps[1]!];
    a.services.health.checker.assignTo(() => false);
    b.services.health.checker.assignTo(() => true);
  });
  after(async () => {
    for (const app of apps) await app.close();
    target.close();
    await database.drop();
  });

  it('the services table shows the same bars on both replicas', async () => {
    const url = `http://127.0.0.1:${String((target.address() as AddressInfo).port)}/`;
    assert.equal(
      (await send(a.app, 'POST', '/api/health/services', { name: 'web', url, interval: 60_000 })).status,
      201,
    );
    await b.services.health.checker.reload();
    for (let i = 0; i < 3; i++)
      assert.equal((await send(b.app, 'POST', '/api/health/check', { name: 'web' })).status, 200);
    const bars = async (app: TestApp) =>
      (
        await send<{ services: Row[] }>(app.app, 'GET', '/api/health/services?heartbeats=30')
      ).body.services.find((s) => s.name === 'web')!.heartbeats;
    const onB = await bars(b);
    assert.ok(onB.length >= 3, `${String(onB.length)} beats on the checking replica`);
    assert.deepEqual(await bars(a), onB, 'the other replica shows the same bar');
  });

  it('pushes to one replica keep a monitor checked by the other UP, and DOWN comes on time when they stop', async () => {
    const changes: (HealthChange & { receivedAt: number })[] = [];
    b.services.bus.on('health.changed', (change) => {
      if (change.service === 'cron') changes.push({ ...change, receivedAt: Date.now() });
    });
    await send(a.app, 'POST', '/api/health/services', {
      name: 'cron',
      url: 'push://',
      interval: 1000,
      pushGrace: 1000,
    });
    const issued = await send<{ token: string }>(a.app, 'POST', '/api/health/services/cron/push-token');
    await b.services.health.checker.reload();
    let lastPush = 0;
    for (let i = 0; i < 12; i++) {
      const pushed = await a.app.inject({ method: 'GET', url: `/api/push/${issued.body.token}` });
      assert.equal(pushed.statusCode, 200);
      lastPush = Date.now();
      await sleep(300);
    }
    // Four seconds of pushes to `a` only, more than twice interval + grace: `b` never saw the monitor DOWN.
    assert.equal(b.services.health.checker.get('cron').tracker.state, 'up');
    assert.deepEqual(
      changes.filter((c) => c.state === 'down'),
      [],
      'the checking replica read the pushes received by the other',
    );
    for (let i = 0; i < 80 && !changes.some((c) => c.state === 'down'); i++) await sleep(100);
    const down = changes.find((c) => c.state === 'down');
    assert.ok(down !== undefined, 'DOWN once the pushes stopped');
    assert.equal(down.reason?.code, 'push_missing');
    const lateness = down.receivedAt - lastPush - 2000;
    // On time: the checking replica armed its deadline from the stored heartbeat (1 s interval: a scheduled
    // check alone would also be within a second; the bound is what a loaded CI host allows).
    assert.ok(lateness >= -50 && lateness < 1500, `DOWN ${String(lateness)} ms after interval + grace`);
  });
});
