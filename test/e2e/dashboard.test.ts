import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireBinary } from '../support/binaries.js';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { TEST_ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

const ARTIFACTS = 'test-artifacts';

describe('the dashboard page in real headless Chromium', () => {
  let t: TestApp;
  let target: TargetServer;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    target = await startTarget();
    target.route('/down', json(503, { status: 'down' }));
    t = await startTestApp({
      WEBSOCKET_BROADCAST_INTERVAL: '500',
      SYSTEM_COLLECT_INTERVAL: '1000',
      APPLICATION_COLLECT_INTERVAL: '1000',
      EGRESS_ALLOWLIST: '127.0.0.1',
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await target.close();
  });

  it('loads with no console error, live, with empty states that say what to do', async (ctx) => {
    if (!requireBinary(ctx, 'chromium', 'chromium')) return;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      // Chromium logs every 401 as an error: the page's first "who am I" before login and the wrong
      // password below are meant to be refused. Any other failed load still counts.
      const expectedRefusal = message.text().includes('status of 401 (Unauthorized)');
      if (message.type() === 'error' && !expectedRefusal) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    const url = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}/`;
    await page.goto(url);
    // Authentication is on: the page asks to log in, says why a wrong password fails, then goes live.
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-user', 'admin');
    await page.fill('#login-password', 'not-the-password');
    await page.click('#login button[type=submit]');
    await page.getByText('wrong user name or password').waitFor();
    await page.fill('#login-password', TEST_ADMIN_PASSWORD);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#live.on', { timeout: 10_000 });
    assert.equal(await page.textContent('#user'), 'admin (admin)');
    await page.waitForSelector('#tile-cpu');
    assert.match((await page.textContent('#business')) ?? '', /No business metric yet/);
    assert.match((await page.textContent('#services')) ?? '', /No service watched yet/);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-empty.png`, fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });

  it('a metric pushed through the API appears on a chart within the broadcast interval', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    await send(t.app, 'POST', '/api/metrics/business', { name: 'bookings_active', value: 5 });
    const started = Date.now();
    await page.locator('#chart-business').getByText('bookings_active').first().waitFor({ timeout: 3000 });
    assert.ok(Date.now() - started < 3000);
  });

  it('a service going down shows up', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    await send(t.app, 'POST', '/api/health/services', {
      name: 'payments',
      url: `${target.base}/down`,
      retries: 1,
    });
    await send(t.app, 'POST', '/api/health/check', { name: 'payments' });
    await page.waitForSelector('[data-service="payments"] .badge.down', { timeout: 5000 });
  });

  it('an alert can be acknowledged from the page', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Queue backlog',
      metricName: 'queue_backlog',
      threshold: 100,
      severity: 'critical',
    });
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'queue_backlog', value: 250 });
    // This alert's row: the predefined rules (Service down for payments…) list theirs too.
    const row = page.locator('#alerts .alert', { hasText: 'Queue backlog' });
    await row.locator('[data-action="acknowledge"]').waitFor({ timeout: 5000 });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-alert.png`, fullPage: true });
    // Clicked through a locator: the list is re-rendered on every alert event, so a held handle may go stale.
    await row.locator('[data-action="acknowledge"]').click();
    await row.locator('.badge.info').waitFor({ timeout: 5000 });
    const firing = await send<{ alerts: { ruleName: string; acknowledged: boolean }[] }>(
      t.app,
      'GET',
      '/api/alerts?state=firing',
    );
    assert.ok(firing.body.alerts.some((a) => a.ruleName === 'Queue backlog' && a.acknowledged));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500); // the charts follow the new width (ResizeObserver)
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-phone.png`, fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });
});
