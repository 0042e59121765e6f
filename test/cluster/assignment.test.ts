import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CheckAssignment } from '../../src/cluster/check-assignment.js';
import { Membership } from '../../src/cluster/membership.js';
import { ensureClusterSchema } from '../../src/cluster/pg-cluster-schema.js';
import { rendezvousOwner } from '../../src/cluster/rendezvous.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createDatabase } from './pg-database.js';
import { eventually } from './replicas.js';

const log = pino({ level: 'silent' });
const SERVICES = Array.from({ length: 300 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);

describe('rendezvous hashing', () => {
  it('300 services over 3 members: each has exactly one owner, shares are even; a member leaving moves only its own', () => {
    const members = ['replica-a', 'replica-b', 'replica-c'];
    const owners = new Map(SERVICES.map((s) => [s, rendezvousOwner(s, members)!]));
    const counts = members.map((m) => [...owners.values()].filter((o) => o === m).length);
    assert.equal(
      counts.reduce((a, b) => a + b),
      300,
    );
    for (const count of counts) assert.ok(count > 60 && count < 140, `uneven shares: ${counts.join(', ')}`);
    const survivors = ['replica-a', 'replica-c'];
    for (const service of SERVICES) {
      const before = owners.get(service)!;
      const after = rendezvousOwner(service, survivors)!;
      if (before === 'replica-b') assert.ok(survivors.includes(after));
      else assert.equal(after, before, `${service} moved although its owner stayed`);
    }
    // Order of the member list does not matter.
    for (const service of SERVICES)
      assert.equal(rendezvousOwner(service, [...members].reverse()), owners.get(service));
  });
});

describe('membership on PostgreSQL, and health checks spread over it', async () => {
  const skip = await skipUnlessServers([POSTGRES]);
  let db: Awaited<ReturnType<typeof createDatabase>>;

  before(async () => {
    if (skip !== false) return;
    db = await createDatabase();
    await ensureClusterSchema(db.pool);
  });
  after(async () => {
    if (skip === false) await db.drop();
  });

  it(
    'members see each other; one that stops its heartbeat drops out after its TTL, and only its services move',
    { skip },
    async () => {
      const ids = ['m-a', 'm-b', 'm-c'];
      const members = ids.map(
        (id) =>
          new Membership(
            db.pool,
            { replicaId: id, address: `${id}:3000`, ttlMs: 500, heartbeatMs: 100 },
            log,
          ),
      );
      for (const m of members) await m.start();
      await eventually(() => {
        for (const m of members) assert.deepEqual(m.members, ids);
      });
      const assignments = members.map((m) => new CheckAssignment(m.replicaId, () => m.members));
      const ownersOf = (indexes: number[]) =>
        SERVICES.map((s) => indexes.filter((i) => assignments[i]!.isAssigned(s)).map((i) => ids[i]));
      const before = ownersOf([0, 1, 2]);
      for (const owners of before) assert.equal(owners.length, 1, 'each service has exactly one replica');
      await members[1]!.stop(false); // crashed: no goodbye, its row just expires
      await eventually(() => {
        assert.deepEqual(members[0]!.members, ['m-a', 'm-c']);
        assert.deepEqual(members[2]!.members, ['m-a', 'm-c']);
      }, 3000);
      const afterwards = ownersOf([0, 2]);
      SERVICES.forEach((_, i) => {
        assert.equal(afterwards[i]!.length, 1);
        if (before[i]![0] !== 'm-b') assert.deepEqual(afterwards[i], before[i], 'untouched');
      });
      for (const m of [members[0]!, members[2]!]) await m.stop(true);
    },
  );

  it(
    "300 services on 3 replicas: each checked by exactly one (its rendezvous owner); a stopped replica's services move to their owner among the survivors and are checked again, the others stay",
    { skip, timeout: 300_000 },
    async () => {
      const INTERVAL = 5000;
      const hits = new Map<string, number[]>();
      const target: Server = createServer((request, response) => {
        const name = (request.url ?? '').split('/')[1] ?? '';
        let list = hits.get(name);
        if (list === undefined) hits.set(name, (list = []));
        list.push(Date.now());
        response.end('ok');
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      const port = (target.address() as AddressInfo).port;
      const ids = ['r-a', 'r-b', 'r-c'];
      const memberships = ids.map(
        (id) =>
          new Membership(
            db.pool,
            { replicaId: id, address: `${id}:3000`, ttlMs: 3000, heartbeatMs: 500 },
            log,
          ),
      );
      for (const m of memberships) await m.start();
      await eventually(() => {
        for (const m of memberships) assert.deepEqual(m.members, ids);
      });
      const apps: TestApp[] = [];
      const dir = mkdtempSync(join(tmpdir(), 'h-cluster-services-'));
      const file = join(dir, 'services.json');
      writeFileSync(
        file,
        JSON.stringify({
          services: SERVICES.map((name) => ({
            name,
            url: `http://127.0.0.1:${String(port)}/${name}`,
            interval: INTERVAL,
            retries: 0,
          })),
        }),
      );
      try {
        for (let i = 0; i < 3; i++) {
          const app = await startTestApp({
            EGRESS_ALLOWLIST: '127.0.0.1',
            HEALTH_CONCURRENCY: '64',
            HEALTH_SERVICES_FILE: file,
          });
          apps.push(app);
          const membership = memberships[i]!;
          app.services.health.checker.assignTo(
            new CheckAssignment(membership.replicaId, () => membership.members).isAssigned,
          );
        }
        // Steady state. What is checked is the assignment, not the schedule: on a loaded host (load 24,
        // three apps in this process) an interval slips, so the window is "until every service was checked
        // once", however long that takes, and then no service may have been checked by two replicas.
        // Checks begun before assignTo (apps check everything at start) finish within this settling time.
        await new Promise((resolve) => setTimeout(resolve, INTERVAL));
        const start = Date.now();
        const checkersOf = (name: string, since: number): string[] =>
          ids.filter((_, i) => (apps[i]!.services.health.checker.get(name).last?.at ?? 0) >= since);
        await eventually(() => {
          const unchecked = SERVICES.filter((name) => checkersOf(name, start).length === 0);
          assert.deepEqual(unchecked.slice(0, 5), [], `${String(unchecked.length)} services not checked yet`);
        }, 90_000);
        const owners = new Map<string, string>();
        for (const name of SERVICES) {
          const checkers = checkersOf(name, start);
          assert.deepEqual(
            checkers,
            [rendezvousOwner(name, ids)],
            `${name} checked by ${checkers.join(', ')}`,
          );
          owners.set(name, checkers[0]!);
          assert.ok(
            (hits.get(name) ?? []).some((t) => t >= start),
            `${name}: the target saw its check`,
          );
        }
        // Replica b crashes: no more heartbeats, no more checks.
        const gone = ids[1]!;
        const orphans = SERVICES.filter((s) => owners.get(s) === gone);
        assert.ok(orphans.length > 0, 'replica b owned services');
        await memberships[1]!.stop(false);
        apps[1]!.services.health.checker.stop();
        const stoppedAt = Date.now();
        // Its services are taken over by the survivors (each by its rendezvous owner among them), and the
        // others stay where they were; every one of them is checked again. How fast is the lease TTL plus
        // an interval on an idle host (the bench measures it); a test on a loaded host can only wait.
        await eventually(() => {
          const late = orphans.filter((name) => checkersOf(name, stoppedAt).length === 0);
          assert.deepEqual(late.slice(0, 5), [], `${String(late.length)} orphans not checked again yet`);
        }, 90_000);
        const survivors = [ids[0]!, ids[2]!];
        for (const name of SERVICES) {
          const checkers = checkersOf(name, stoppedAt).filter((id) => id !== gone);
          const expected = orphans.includes(name) ? rendezvousOwner(name, survivors) : owners.get(name);
          if (checkers.length > 0)
            assert.deepEqual(
              checkers,
              [expected],
              `${name} after the crash: checked by ${checkers.join(', ')}`,
            );
        }
      } finally {
        for (const app of apps) await app.close();
        for (const m of memberships) await m.stop(true);
        target.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
