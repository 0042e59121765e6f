import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Beat {
  state: string;
  durationMs: number;
  reason?: { code: string; message: string };
}
interface Row {
  name: string;
  state: string;
  paused: boolean;
  tags: string[];
  group: string | null;
  heartbeats?: Beat[];
}
interface Report {
  slaTarget: number;
  uptimePercent: number | null;
  downtimeMinutes: number;
  incidents: number;
  slaMet: boolean | null;
  days: {
    date: string;
    checks: number;
    uptimePercent: number | null;
    downtimeMinutes: number;
    incidents: number;
    slaMet: boolean | null;
  }[];
  incidentList: { start: number; end: number | null; durationMs: number; reason: { code: string } | null }[];
}

/** Issue 19: heartbeats, pause/resume, tags and groups, a year of uptime, the monthly SLA report. */
describe('service history: heartbeats, pause, tags, 365 d, monthly report', () => {
  let t: TestApp;
  let target: TargetServer;
  let healthy = true;

  before(async () => {
    target = await startTarget();
    target.route('/flaky', (request, response, base) => {
      json(healthy ? 200 : 503, { ok: healthy })(request, response, base);
    });
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
  });
  after(async () => {
    await t.close();
    await target.close();
  });

  it('lists the last checks of each service with state, response time and the reason of each failure', async () => {
    const created = await send(t.app, 'POST', '/api/health/services', {
      name: 'checkout',
      url: `${target.base}/flaky`,
      retries: 2,
      interval: 3_600_000,
      tags: ['prod', 'payments'],
      group: 'Backend',
    });
    assert.equal(created.status, 201);
    await send(t.app, 'POST', '/api/health/check', { name: 'checkout' });
    healthy = false;
    await send(t.app, 'POST', '/api/health/check', { name: 'checkout' });
    await send(t.app, 'POST', '/api/health/check', { name: 'checkout' });
    healthy = true;
    const list = await send<{ services: Row[] }>(t.app, 'GET', '/api/health/services?heartbeats=30');
    const row = list.body.services.find((s) => s.name === 'checkout')!;
    assert.deepEqual(row.tags, ['prod', 'payments']);
    assert.equal(row.group, 'Backend');
    const states = row.heartbeats!.map((b) => b.state);
    // The first check (at registration) may or may not have run yet: the last three are ours.
    assert.deepEqual(states.slice(-3), ['up', 'pending', 'down']);
    const down = row.heartbeats!.at(-1)!;
    assert.equal(down.reason?.code, 'status_code');
    assert.ok(down.durationMs >= 0);
    const beats = await send<{ heartbeats: Beat[] }>(
      t.app,
      'GET',
      '/api/health/services/checkout/heartbeats?limit=2',
    );
    assert.deepEqual(
      beats.body.heartbeats.map((b) => b.state),
      ['pending', 'down'],
    );
    const plain = await send<{ services: Row[] }>(t.app, 'GET', '/api/health/services');
    assert.equal(plain.body.services[0]!.heartbeats, undefined, 'heartbeats only when asked');
  });

  it('filters the list by tag, group, state and text; refuses an unknown state with 422', async () => {
    await send(t.app, 'POST', '/api/health/services', {
      name: 'search',
      url: `${target.base}/flaky`,
      interval: 3_600_000,
      tags: ['staging'],
    });
    const names = async (query: string): Promise<string[]> =>
      (await send<{ services: Row[] }>(t.app, 'GET', `/api/health/services?${query}`)).body.services.map(
        (s) => s.name,
      );
    assert.deepEqual(await names('tag=prod'), ['checkout']);
    assert.deepEqual(await names('tag=staging'), ['search']);
    assert.deepEqual(await names('group=Backend'), ['checkout']);
    assert.deepEqual(await names('state=down'), ['checkout']);
    assert.deepEqual(await names('q=SEAR'), ['search']);
    const bad = await send(t.app, 'GET', '/api/health/services?state=sideways');
    assert.equal(bad.status, 422);
    const badTag = await send(t.app, 'POST', '/api/health/services', {
      name: 'bad-tags',
      url: `${target.base}/flaky`,
      tags: ['has space'],
    });
    assert.equal(badTag.status, 422);
    assert.match(JSON.stringify(badTag.body), /tags/);
  });

  it('pauses: no scheduled check until resumed, shown as paused, "check now" still checks', async () => {
    const count = async (): Promise<number> =>
      (await send<{ heartbeats: Beat[] }>(t.app, 'GET', '/api/health/services/search/heartbeats')).body
        .heartbeats.length;
    // The check at registration comes first (scheduled at once).
    for (let i = 0; i < 50 && (await count()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const paused = await send<Row>(t.app, 'POST', '/api/health/services/search/pause');
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    const before = (
      await send<{ heartbeats: Beat[] }>(t.app, 'GET', '/api/health/services/search/heartbeats')
    ).body.heartbeats.length;
    // A PATCH reschedules at once: a paused service must not be checked by it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = (await send<{ heartbeats: Beat[] }>(t.app, 'GET', '/api/health/services/search/heartbeats'))
      .body.heartbeats.length;
    assert.equal(after, before);
    assert.deepEqual(
      (await send<{ services: Row[] }>(t.app, 'GET', '/api/health/services?state=paused')).body.services.map(
        (s) => s.name,
      ),
      ['search'],
    );
    const resumed = await send<Row>(t.app, 'POST', '/api/health/services/search/resume');
    assert.equal(resumed.body.paused, false);
    assert.equal((await send(t.app, 'POST', '/api/health/services/nothing/pause')).status, 404);
  });

  it('gives uptime over 24 h, 7 d, 30 d and 365 d and the incidents of the last 30 days', async () => {
    const store = t.services.health.store;
    const { id } = t.services.health.checker.get('checkout');
    const hour = Math.floor(Date.now() / HOUR);
    // 200 days ago: one hour with 10 checks, 5 failed; counts in 365 d only.
    await store.saveRollups([
      {
        serviceId: id,
        hour: hour - 200 * 24,
        checks: 10,
        up: 5,
        degraded: 0,
        durationSumMs: 100,
        durationMaxMs: 20,
        buckets: [10],
      },
    ]);
    const detail = await send<{
      windows: Record<string, { checks: number; uptimeRatio: number | null }>;
      incidents: Report['incidentList'];
    }>(t.app, 'GET', '/api/health/services/checkout');
    assert.equal(detail.status, 200);
    const { windows } = detail.body;
    assert.equal(windows['365d']!.checks, windows['30d']!.checks + 10);
    assert.ok(detail.body.incidents.length >= 1);
    assert.equal(detail.body.incidents[0]!.reason?.code, 'status_code');
    assert.equal(detail.body.incidents[0]!.end, null, 'still down');
  });

  it('reports a month day by day as JSON and CSV, with the SLA target from the query or the service', async () => {
    const store = t.services.health.store;
    const { id } = t.services.health.checker.get('search');
    const start = Date.UTC(2025, 1, 1); // February 2025: 28 days
    const hour0 = start / HOUR;
    await store.saveRollups(
      Array.from({ length: 28 * 24 }, (_, i) => ({
        serviceId: id,
        hour: hour0 + i,
        checks: 60,
        up: i === 30 ? 30 : 60, // day 2 (hour 30): half its checks failed
        degraded: 0,
        durationSumMs: 6000,
        durationMaxMs: 200,
        buckets: [0, 0, 0, 60],
      })),
    );
    await store.appendEvents([
      // Down since January: the incident open at the month's start counts from its first second.
      {
        serviceId: id,
        at: start - DAY,
        state: 'down',
        previous: 'up',
        reasonCode: 'timeout',
        reason: 'no answer',
      },
      {
        serviceId: id,
        at: start + 30 * 60_000,
        state: 'up',
        previous: 'down',
        reasonCode: null,
        reason: null,
      },
      {
        serviceId: id,
        at: start + DAY + 6 * HOUR,
        state: 'down',
        previous: 'up',
        reasonCode: 'status_code',
        reason: 'HTTP 503',
      },
      {
        serviceId: id,
        at: start + DAY + 7 * HOUR,
        state: 'up',
        previous: 'down',
        reasonCode: null,
        reason: null,
      },
    ]);
    const answer = await send<Report>(
      t.app,
      'GET',
      '/api/health/services/search/report?month=2025-02&target=99.9',
    );
    assert.equal(answer.status, 200);
    const report = answer.body;
    assert.equal(report.days.length, 28);
    assert.equal(report.days[0]!.downtimeMinutes, 30);
    assert.equal(report.days[0]!.incidents, 1);
    assert.equal(report.days[1]!.downtimeMinutes, 60);
    assert.equal(report.days[1]!.uptimePercent, Number(((1 - 30 / 1440) * 100).toFixed(4)));
    assert.equal(report.days[1]!.slaMet, false);
    assert.equal(report.days[2]!.slaMet, true);
    assert.equal(report.incidents, 2);
    assert.equal(report.downtimeMinutes, 90);
    assert.equal(report.incidentList[1]!.reason?.code, 'status_code');
    assert.equal(report.slaMet, true, '99.93 % ≥ 99.9 %');
    // The service's own target applies without ?target=.
    await send(t.app, 'PATCH', '/api/health/services/search', { slaTarget: 99.99 });
    const strict = await send<Report>(t.app, 'GET', '/api/health/services/search/report?month=2025-02');
    assert.equal(strict.body.slaTarget, 99.99);
    assert.equal(strict.body.slaMet, false);

    for (const request of [
      { url: '/api/health/services/search/report?month=2025-02&format=csv', headers: {} },
      { url: '/api/health/services/search/report?month=2025-02', headers: { accept: 'text/csv' } },
    ]) {
      const csv = await t.app.inject({ method: 'GET', ...request });
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), /search-2025-02\.csv/);
      const lines = csv.body.trimEnd().split('\r\n');
      assert.equal(
        lines[0],
        'date,checks,uptime_percent,downtime_minutes,incidents,sla_target_percent,sla_met',
      );
      assert.equal(lines.length, 1 + 28 + 1);
      assert.equal(
        lines[2],
        `2025-02-02,1440,${String(Number(((1 - 30 / 1440) * 100).toFixed(4)))},60,1,99.99,false`,
      );
      assert.match(lines.at(-1)!, /^2025-02,/);
    }
  });

  it('refuses a malformed month or target with 422 naming the field, an unknown service with 404', async () => {
    for (const query of [
      'month=2025-13',
      'month=25-01',
      'month=2025-01&target=101',
      'month=2025-01&format=xml',
    ]) {
      const answer = await send<{ code?: string }>(
        t.app,
        'GET',
        `/api/health/services/search/report?${query}`,
      );
      assert.equal(answer.status, 422, query);
      assert.match(answer.contentType, /problem\+json/);
    }
    assert.equal((await send(t.app, 'GET', '/api/health/services/search/report')).status, 422);
    assert.equal((await send(t.app, 'GET', '/api/health/services/nope/report?month=2025-01')).status, 404);
  });

  it('the retention loop prunes state changes at HEALTH_CHECKS_TTL and roll-ups at HEALTH_ROLLUP_RETENTION', async () => {
    const { store, checker, tasks } = t.services.health;
    const { id } = checker.get('checkout');
    const hour = Math.floor(Date.now() / HOUR);
    await store.saveRollups(
      [40, 399, 401].map((days) => ({
        serviceId: id,
        hour: hour - days * 24,
        checks: 1,
        up: 1,
        degraded: 0,
        durationSumMs: 1,
        durationMaxMs: 1,
        buckets: [1],
      })),
    );
    const old = Date.now() - 40 * DAY;
    await store.appendEvents([
      { serviceId: id, at: old, state: 'up', previous: 'unknown', reasonCode: null, reason: null },
    ]);
    await tasks.find((task) => task.name === 'health-retention')!.flush();
    const hours = (await store.rollupsBetween(id, 0, hour + 1)).map((r) => hour - r.hour);
    assert.ok(hours.includes(40 * 24) && hours.includes(399 * 24), 'kept under 400 days');
    assert.ok(!hours.includes(401 * 24), 'older than 400 days: pruned');
    assert.equal(
      (await store.eventsBetween(id, 0, old + 1, 10)).length,
      0,
      'events older than 30 days pruned',
    );
  });
});
