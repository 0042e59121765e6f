import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, type Session } from './browser-session.js';

/** Issue 19: #/alerts/<id>, the alert's life in order, and "Silence like this" from it. */
describe('the alert timeline page in headless Chromium', () => {
  let t: TestApp;
  let receiver: Receiver;
  let browser: Browser | undefined;
  let session: Session;
  let alertId = '';

  before(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver.failNext(1, 503); // one refusal: the notification shows two attempts
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Disk almost full',
      metricName: 'disk_used_ratio',
      threshold: 0.9,
      severity: 'critical',
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
    });
    await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'disk_used_ratio',
      value: 0.97,
      labels: { mount: '/var' },
    });
    await t.services.alerting.engine.settled();
    await receiver.waitFor(1, 20_000);
    await t.services.alerting.outbox.drain();
    const firing = await send<{ alerts: { id: string }[] }>(t.app, 'GET', '/api/alerts?state=firing');
    alertId = firing.body.alerts[0]?.id ?? '';
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await receiver.close();
  });

  it('is reached from the overview and shows pending, firing and the notification in order', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    session = await loggedIn(browser, t);
    const { page } = session;
    const row = page.locator('#alerts .alert', { hasText: 'Disk almost full' });
    assert.equal(await row.locator('.value').textContent(), '97 %', 'a ratio reads as a percentage');
    await page.locator('#alerts a.name', { hasText: 'Disk almost full' }).click();
    assert.equal(new URL(page.url()).hash, `#/alerts/${alertId}`);
    const events = page.locator('.timeline .event');
    await events.nth(2).waitFor();
    const kinds: (string | null)[] = [];
    for (let i = 0; i < (await events.count()); i++)
      kinds.push(await events.nth(i).getAttribute('data-kind'));
    assert.deepEqual(kinds, ['pending', 'firing', 'notification']);
    const notification = events.nth(2);
    assert.match((await notification.textContent()) ?? '', /Channelwebhook http:\/\/127\.0\.0\.1:\d+\/hook/);
    assert.match((await notification.locator('.status-delivered').textContent()) ?? '', /delivered/);
    assert.match((await notification.textContent()) ?? '', /Attempts2/);
  });

  it('acknowledges from the page, and the timeline names who did', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.click('.timeline-page [data-action="acknowledge"]');
    const acknowledged = page.locator('.timeline .event[data-kind="acknowledged"]');
    await acknowledged.waitFor();
    assert.match((await acknowledged.textContent()) ?? '', /acknowledged by admin/);
    await page.screenshot({ path: `${ARTIFACTS}/alert-timeline.png`, fullPage: true });
  });

  it('"Silence like this" opens a dialog that keeps the focus, closes on Escape, and creates the silence', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.click('[data-action="silence-like"]');
    const dialog = page.locator('#silence-dialog');
    await dialog.waitFor();
    assert.equal(await page.inputValue('#silence-matchers'), 'alertname="Disk almost full"\nmount="/var"');
    // Tab cycles inside the modal dialog: never onto the page behind it.
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      const inside = (await page.locator('#silence-dialog :focus').count()) === 1;
      assert.ok(inside, `tab ${String(i)} stayed in the dialog`);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(
      await page.locator('[data-action="silence-like"]:focus').count(),
      1,
      'focus back on the button',
    );

    // A refused silence says why, in the dialog; then a good one is made.
    await page.click('[data-action="silence-like"]');
    await page.fill('#silence-matchers', 'mount=~"(unclosed"');
    await page.click('#silence-create');
    const problem = page.locator('#silence-dialog .notice[role="alert"]');
    await problem.waitFor();
    assert.match((await problem.textContent()) ?? '', /Could not create the silence/);
    await page.fill('#silence-matchers', 'alertname="Disk almost full"\nmount="/var"');
    await page.selectOption('#silence-duration', '6h');
    await page.click('#silence-create');
    await dialog.waitFor({ state: 'detached' });
    const silences = await send<{ silences: { matchers: string[]; comment: string }[] }>(
      t.app,
      'GET',
      '/api/alerts/silences',
    );
    assert.deepEqual(
      silences.body.silences.map((s) => s.matchers),
      [['alertname="Disk almost full"', 'mount="/var"']],
    );
    assert.deepEqual(
      session.errors.filter((e) => !e.includes('422')),
      [],
    );
  });

  it('says so for an unknown alert', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.goto(`${new URL(page.url()).origin}/#/alerts/no-such-alert`);
    await page.locator('.timeline-page [role="alert"]').waitFor();
    assert.match((await page.textContent('.timeline-page [role="alert"]')) ?? '', /404/);
    await session.context.close();
  });
});
