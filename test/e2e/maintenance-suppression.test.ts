import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, originOf } from './browser-session.js';

/** UTC weekday and HH:MM a minute ago: a weekly window starting then is on now. */
function aMinuteAgo(): { weekday: number; at: string } {
  const then = new Date(Date.now() - 60_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return { weekday: then.getUTCDay(), at: `${two(then.getUTCHours())}:${two(then.getUTCMinutes())}` };
}

/**
 * Issue 19's proof: a maintenance window, scheduled in the browser, keeps back a real webhook that would
 * otherwise arrive (the same rule pages for a service it does not cover), and the public page shows it.
 */
describe('a maintenance window made in the browser suppresses a real webhook', () => {
  let t: TestApp;
  let target: TargetServer;
  let receiver: Receiver;
  let browser: Browser | undefined;

  before(async () => {
    target = await startTarget();
    target.route('/down', json(503, { status: 'broken' }));
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const name of ['payments-db', 'billing'])
      await send(t.app, 'POST', '/api/health/services', {
        name,
        url: `${target.base}/down`,
        retries: 0,
        interval: 3_600_000,
      });
    await send(t.app, 'POST', '/api/status-pages', {
      slug: 'acme',
      title: 'Acme status',
      services: [{ name: 'payments-db', publicName: 'Payments' }],
    });
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await receiver.close();
    await target.close();
  });

  it('schedules the window from #/status-pages; the covered service pages nobody, the other does', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    const { page, context, errors } = await loggedIn(browser, t, '#/status-pages');
    const { weekday, at } = aMinuteAgo();
    await page.fill('#maintenance-title', 'Database upgrade');
    await page.check('#maintenance-service-payments-db');
    await page.selectOption('#maintenance-form select', 'weekly');
    await page.check(`#maintenance-day-${String(weekday)}`);
    await page.fill('#maintenance-at', at);
    await page.fill('#maintenance-duration', '60');
    await page.fill('#maintenance-zone', 'UTC');
    await page.click('#maintenance-form button[type=submit]');
    await page.locator('#maintenance tr', { hasText: 'Database upgrade' }).waitFor();
    const windows = await send<{ windows: { id: string; active: boolean }[] }>(
      t.app,
      'GET',
      '/api/maintenance',
    );
    const made = windows.body.windows.at(0);
    assert.ok(made !== undefined && made.active, JSON.stringify(windows.body));
    const windowId = made.id;

    // One rule pages for any service that goes down, through a real webhook.
    const rule = await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Down (paged)',
      kind: 'health',
      healthState: 'down',
      severity: 'critical',
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    await send(t.app, 'POST', '/api/health/check', { name: 'payments-db' });
    await send(t.app, 'POST', '/api/health/check', { name: 'billing' });
    await receiver.waitFor(1, 20_000);
    // A page for payments-db would be sent by now: both checks' evaluations are over and every delivery
    // due is made (a fixed wait instead could end before a late one on a loaded host, and pass).
    await t.services.alerting.engine.settled();
    await t.services.alerting.outbox.drain();
    const paged = receiver.received.map(
      (r) =>
        `${(r.body.alert as { labels: Record<string, string> }).labels.service ?? ''}:${String(r.body.event)}`,
    );
    assert.deepEqual(paged, ['billing:firing'], 'only the service outside the window pages');

    // The covered alert is still recorded, as silenced by the window, and the overview says so.
    await page.evaluate('window.location.hash = "#/"');
    const covered = page
      .locator('#alerts .alert', { hasText: 'Down (paged)' })
      .filter({ hasText: 'payments-db' });
    const badge = covered.locator('.badge', { hasText: 'silenced' });
    await badge.waitFor({ timeout: 10_000 });
    assert.equal(await badge.getAttribute('title'), `maintenance:${windowId}`);
    await page.screenshot({ path: `${ARTIFACTS}/maintenance-silenced.png`, fullPage: true });

    // The public page, seen without a login, shows the window and the service under maintenance.
    const visitor = await browser.newContext();
    const publicPage = await visitor.newPage();
    await publicPage.goto(`${originOf(t)}/status/acme`);
    assert.match((await publicPage.textContent('body')) ?? '', /Under maintenance/);
    assert.match((await publicPage.textContent('li.maintenance.active')) ?? '', /Database upgrade/);
    await visitor.close();
    assert.deepEqual(errors, []);
    await context.close();
  });
});
