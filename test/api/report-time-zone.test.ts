import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR = 3_600_000;

interface Report {
  timeZone: string;
  checks: number;
  downtimeMinutes: number;
  incidents: number;
  days: { date: string; start: string; checks: number; downtimeMinutes: number; incidents: number }[];
}

/** Issue 19: the monthly SLA report counts the local days of an IANA zone (`tz`), DST included. */
describe('monthly report in a time zone', () => {
  let t: TestApp;
  let target: TargetServer;

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { ok: true }));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    const created = await send(t.app, 'POST', '/api/health/services', {
      name: 'paris',
      url: `${target.base}/ok`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const store = t.services.health.store;
    const { id } = t.services.health.checker.get('paris');
    // Every hour from 2026-02-28 to 2026-04-02 UTC: one roll-up of 60 checks, all up.
    const first = Date.UTC(2026, 1, 28) / HOUR;
    await store.saveRollups(
      Array.from({ length: 34 * 24 }, (_, i) => ({
        serviceId: id,
        hour: first + i,
        checks: 60,
        up: 60,
        degraded: 0,
        durationSumMs: 6000,
        durationMaxMs: 200,
        buckets: [0, 0, 0, 60],
      })),
    );
    // Down 00:30 → 03:30 Paris time on 29 March 2026, the night the clocks skip 02:00 → 03:00: two real
    // hours, all on the local 29th; in UTC (23:30 → 01:30) they straddle the 28th and the 29th.
    await store.appendEvents([
      {
        serviceId: id,
        at: Date.parse('2026-03-28T23:30:00Z'),
        state: 'down',
        previous: 'up',
        reasonCode: 'timeout',
        reason: 'no answer',
      },
      {
        serviceId: id,
        at: Date.parse('2026-03-29T01:30:00Z'),
        state: 'up',
        previous: 'down',
        reasonCode: null,
        reason: null,
      },
    ]);
  });
  after(async () => {
    await t.close();
    await target.close();
  });

  it('counts a Paris March as 743 hours with a 23-hour 29th, and the night outage on one local day', async () => {
    const answer = await send<Report>(
      t.app,
      'GET',
      '/api/health/services/paris/report?month=2026-03&tz=Europe/Paris',
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const report = answer.body;
    assert.equal(report.timeZone, 'Europe/Paris');
    assert.equal(report.days.length, 31);
    assert.equal(report.days[0]!.start, '2026-02-28T23:00:00.000Z', 'CET midnight');
    assert.equal(report.days[30]!.start, '2026-03-30T22:00:00.000Z', 'CEST midnight');
    assert.equal(report.checks, 743 * 60, 'the month is 743 hours long, not 744');
    const byDate = new Map(report.days.map((d) => [d.date, d]));
    assert.equal(byDate.get('2026-03-29')!.checks, 23 * 60);
    assert.equal(byDate.get('2026-03-28')!.checks, 24 * 60);
    assert.equal(byDate.get('2026-03-29')!.downtimeMinutes, 120);
    assert.equal(byDate.get('2026-03-29')!.incidents, 1);
    assert.equal(byDate.get('2026-03-28')!.downtimeMinutes, 0);

    // The same month in UTC (the default): 744 hours, the outage split over two UTC days.
    const utc = (await send<Report>(t.app, 'GET', '/api/health/services/paris/report?month=2026-03')).body;
    assert.equal(utc.timeZone, 'UTC');
    assert.equal(utc.checks, 744 * 60);
    assert.equal(utc.days[27]!.downtimeMinutes, 30);
    assert.equal(utc.days[28]!.downtimeMinutes, 90);

    // October: 745 hours, the 25th has 25.
    const october = (
      await send<Report>(t.app, 'GET', '/api/health/services/paris/report?month=2026-10&tz=Europe/Paris')
    ).body;
    assert.equal(october.days.find((d) => d.date === '2026-10-25')!.start, '2026-10-24T22:00:00.000Z');
    assert.equal(october.days.find((d) => d.date === '2026-10-26')!.start, '2026-10-25T23:00:00.000Z');
  });

  it('dates the CSV rows with the local days of the zone', async () => {
    const csv = await t.app.inject({
      method: 'GET',
      url: '/api/health/services/paris/report?month=2026-03&tz=Europe/Paris&format=csv',
    });
    assert.equal(csv.statusCode, 200);
    const lines = csv.body.trimEnd().split('\r\n');
    assert.equal(lines.length, 1 + 31 + 1);
    assert.match(lines[29]!, /^2026-03-29,1380,100,120,1,/);
  });

  it('refuses an unknown or empty zone with 422 problem+json', async () => {
    const unknown = await send<{ code?: string; detail?: string }>(
      t.app,
      'GET',
      '/api/health/services/paris/report?month=2026-03&tz=Mars/Olympus',
    );
    assert.equal(unknown.status, 422);
    assert.match(unknown.contentType, /problem\+json/);
    assert.equal(unknown.body.code, 'invalid_time_zone');
    assert.match(unknown.body.detail ?? '', /Mars\/Olympus/);
    const empty = await send(t.app, 'GET', '/api/health/services/paris/report?month=2026-03&tz=');
    assert.equal(empty.status, 422);
    assert.match(empty.contentType, /problem\+json/);
  });
});
