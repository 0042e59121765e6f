import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const NOBODY = { authorization: '' };

/** Public status pages, incidents, badges and maintenance windows (issue 19), on a real SQLite file. */
describe('status pages and maintenance windows', () => {
  let t: TestApp;
  let target: TargetServer;
  let receiver: Receiver;

  before(async () => {
    target = await startTarget();
    target.route('/down', json(503, { status: 'down' }));
    target.route('/up', json(200, { status: 'ok' }));
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    for (const [name, path] of [
      ['payments-db-primary', '/down'],
      ['search-internal', '/up'],
      ['billing-worker', '/down'],
    ] as const) {
      const created = await send(t.app, 'POST', '/api/health/services', {
        name,
        url: `${target.base}${path}`,
        retries: 1,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });
  after(async () => {
    await t.close();
    await target.close();
    await receiver.close();
  });

  it('a status page viewed without a token shows public names and states, nothing internal', async () => {
    for (const name of ['payments-db-primary', 'search-internal'])
      await send(t.app, 'POST', '/api/health/check', { name });
    const created = await send(t.app, 'POST', '/api/status-pages', {
      slug: 'acme',
      title: 'Acme',
      services: [
        { name: 'payments-db-primary', publicName: 'Payments' },
        { name: 'search-internal', publicName: 'Search' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const incident = await send<{ id: string }>(t.app, 'POST', '/api/status-pages/acme/incidents', {
      title: 'Payments failing',
      impact: 'major',
      status: 'investigating',
      message: 'Card payments fail; we are on it.',
    });
    assert.equal(incident.status, 201);
    const updated = await send(
      t.app,
      'POST',
      `/api/status-pages/acme/incidents/${incident.body.id}/updates`,
      {
        status: 'identified',
        message: 'A database node is down.',
      },
    );
    assert.equal(updated.status, 200);

    const response = await t.app.inject({ method: 'GET', url: '/api/status/acme', headers: NOBODY });
    assert.equal(response.statusCode, 200);
    const raw = response.body;
    for (const secret of [
      'payments-db-primary',
      'search-internal',
      '127.0.0.1',
      target.base,
      'status_code',
      '503',
    ])
      assert.ok(!raw.includes(secret), `the public page leaks "${secret}": ${raw}`);
    const body = response.json<{
      overall: string;
      services: { name: string; state: string }[];
      incidents: { title: string; updates: unknown[] }[];
    }>();
    assert.deepEqual(
      body.services.map((s) => [s.name, s.state]),
      [
        ['Payments', 'down'],
        ['Search', 'up'],
      ],
    );
    assert.equal(body.overall, 'outage');
    assert.equal(body.incidents[0]?.updates.length, 2);
    assert.deepEqual(Object.keys(body.services[0]!).sort(), ['name', 'state', 'uptime24h', 'uptime30d']);
    // Cacheable: an ETag, and a 304 for who has it.
    const etag = response.headers.etag as string;
    assert.match(String(response.headers['cache-control']), /max-age=/);
    const again = await t.app.inject({
      method: 'GET',
      url: '/api/status/acme',
      headers: { ...NOBODY, 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 304);

    const html = await t.app.inject({ method: 'GET', url: '/status/acme', headers: NOBODY });
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /Payments/);
    assert.match(html.body, /A database node is down\./);
    assert.ok(!html.body.includes('payments-db-primary') && !html.body.includes('127.0.0.1'));
    const feed = await t.app.inject({ method: 'GET', url: '/status/acme/feed.atom', headers: NOBODY });
    assert.equal(feed.statusCode, 200);
    assert.match(String(feed.headers['content-type']), /application\/atom\+xml/);
    assert.match(feed.body, /<entry><id>urn:uuid:/);

    // The admin API stays closed to nobody.
    const closed = await t.app.inject({ method: 'GET', url: '/api/status-pages', headers: NOBODY });
    assert.equal(closed.statusCode, 401);
    const missing = await t.app.inject({ method: 'GET', url: '/api/status/nope', headers: NOBODY });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ code: string }>().code, 'status_page_not_found');
  });

  it('badges are SVG for services on a public page and 404 for the others', async () => {
    const status = await t.app.inject({
      method: 'GET',
      url: '/badge/payments-db-primary/status',
      headers: NOBODY,
    });
    assert.equal(status.statusCode, 200);
    assert.equal(status.headers['content-type'], 'image/svg+xml');
    assert.match(status.body, /^<svg [^>]*role="img" aria-label="status: down"/);
    const uptime = await t.app.inject({
      method: 'GET',
      url: '/badge/search-internal/uptime?window=30d',
      headers: NOBODY,
    });
    assert.equal(uptime.statusCode, 200);
    assert.match(uptime.body, /uptime 30d: (100\.00%|no data)/);
    const hidden = await t.app.inject({
      method: 'GET',
      url: '/badge/billing-worker/status',
      headers: NOBODY,
    });
    assert.equal(hidden.statusCode, 404);
    const badWindow = await t.app.inject({
      method: 'GET',
      url: '/badge/search-internal/uptime?window=2y',
      headers: NOBODY,
    });
    assert.equal(badWindow.statusCode, 422);
  });

  it('refuses bad windows with the field and why', async () => {
    const cases: [unknown, string, string][] = [
      [
        { kind: 'cron', expression: '61 * * * *', durationMinutes: 30, timeZone: 'UTC' },
        'invalid_cron',
        'schedule.expression',
      ],
      [
        { kind: 'weekly', weekdays: [1], at: '02:00', durationMinutes: 30, timeZone: 'Mars/Olympus' },
        'invalid_time_zone',
        'schedule.timeZone',
      ],
      [
        { kind: 'once', startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' },
        'invalid_schedule',
        'schedule.endsAt',
      ],
      // The schema names the field of the kind that was sent (not the first kind's missing startsAt).
      [
        { kind: 'monthly', daysOfMonth: [32], at: '02:00', durationMinutes: 30, timeZone: 'UTC' },
        'validation_failed',
        'body.schedule.daysOfMonth.0',
      ],
      [
        { kind: 'weekly', at: '02:00', durationMinutes: 30, timeZone: 'UTC' },
        'validation_failed',
        'body.schedule.weekdays',
      ],
      [{ kind: 'yearly', at: '02:00' }, 'validation_failed', 'body.schedule.kind'],
    ];
    for (const [schedule, code, field] of cases) {
      const response = await send<{ code: string; field: string }>(t.app, 'POST', '/api/maintenance', {
        title: 'x',
        services: ['billing-worker'],
        schedule,
      });
      assert.equal(response.status, 422, JSON.stringify(response.body));
      assert.equal(response.body.code, code);
      assert.equal(response.body.field, field);
    }
    const unknown = await send<{ field: string }>(t.app, 'POST', '/api/maintenance', {
      title: 'x',
      services: ['nope'],
      schedule: { kind: 'once', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-02T00:00:00Z' },
    });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.field, 'services[0]');
  });

  it('a maintenance window keeps back the webhook its service would send; the alert is recorded as silenced', async () => {
    // A weekly window that is on now, in a time zone, covering one of the two failing services.
    const now = new Date();
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Tokyo',
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    }).formatToParts(now);
    const part = (type: string) => local.find((p) => p.type === type)!.value;
    const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
    const window = await send<{ id: string; active: boolean }>(t.app, 'POST', '/api/maintenance', {
      title: 'Database upgrade',
      services: ['payments-db-primary'],
      schedule: {
        kind: 'weekly',
        weekdays: [weekday],
        at: `${part('hour')}:${part('minute')}`,
        durationMinutes: 30,
        timeZone: 'Asia/Tokyo',
      },
    });
    assert.equal(window.status, 201, JSON.stringify(window.body));
    assert.equal(window.body.active, true);
    // The rule comes after the window: payments-db-primary is already down and would page at once.
    const rule = await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Down (paged)',
      kind: 'health',
      healthState: 'down',
      severity: 'critical',
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));

    await send(t.app, 'POST', '/api/health/check', { name: 'billing-worker' });
    await send(t.app, 'POST', '/api/health/check', { name: 'payments-db-primary' });
    const [first] = await receiver.waitFor(1);
    // A page for payments-db-primary would be sent by now: both checks' evaluations are over and every
    // delivery due is made (a fixed wait instead could end before a late one on a loaded host, and pass).
    await t.services.alerting.engine.settled();
    await t.services.alerting.outbox.drain();
    const paged = receiver.received.map(
      (r) =>
        ((r.body.alert as { labels: Record<string, string> }).labels.service ?? '') +
        ':' +
        String(r.body.event),
    );
    assert.deepEqual(paged, ['billing-worker:firing'], JSON.stringify(first?.body));

    const alerts = await send<{
      alerts: { ruleName: string; labels: Record<string, string>; silencedBy: string | null }[];
    }>(t.app, 'GET', '/api/alerts?state=firing');
    const covered = alerts.body.alerts.find(
      (a) => a.ruleName === 'Down (paged)' && a.labels.service === 'payments-db-primary',
    );
    assert.equal(covered?.silencedBy, `maintenance:${window.body.id}`);

    // The page shows the window, and the service under maintenance.
    const page = await t.app.inject({ method: 'GET', url: '/api/status/acme', headers: NOBODY });
    const body = page.json<{
      services: { name: string; state: string }[];
      maintenance: { title: string; active: boolean }[];
    }>();
    assert.deepEqual(
      body.maintenance.map((m) => [m.title, m.active]),
      [['Database upgrade', true]],
    );
    assert.equal(body.services.find((s) => s.name === 'Payments')?.state, 'maintenance');
  });
});
