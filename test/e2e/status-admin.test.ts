import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, originOf, type Session } from './browser-session.js';

/** Issue 19: #/status-pages, managing public status pages, incidents and maintenance in the browser. */
describe('status-page management in headless Chromium', () => {
  let t: TestApp;
  let target: TargetServer;
  let browser: Browser | undefined;
  let session: Session;

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { status: 'ok' }));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const name of ['api', 'checkout'])
      await send(t.app, 'POST', '/api/health/services', { name, url: `${target.base}/ok` });
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await target.close();
  });

  it('creates a page, with the API validation message shown next to the field at fault', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    session = await loggedIn(browser, t, '#/status-pages');
    const { page } = session;
    await page.click('#page-new');
    await page.fill('#page-title', 'Acme status');
    await page.fill('#page-slug', 'Not A Slug');
    await page.check('#page-service-api');
    await page.click('#page-form button[type=submit]');
    const error = page.locator('#page-form .field-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /slug/);
    assert.equal(await page.getAttribute('#page-slug', 'aria-invalid'), 'true');
    assert.equal(await page.locator('#page-slug:focus').count(), 1, 'the field at fault has the focus');

    await page.fill('#page-slug', 'acme');
    await page.fill('[aria-label="Public name of api"]', 'Public API');
    await page.click('#page-form button[type=submit]');
    const row = page.locator('#pages tr[data-page="acme"]');
    await row.waitFor();
    assert.deepEqual(await row.locator('td').allTextContents(), [
      'Acme status',
      '/status/acme',
      '1',
      'EditIncidents',
    ]);
    const stored = await send<{ services: unknown[] }>(t.app, 'GET', '/api/status-pages/acme');
    assert.deepEqual(stored.body.services, [{ name: 'api', publicName: 'Public API' }]);
  });

  it('edits the title and the services shown', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.click('#pages tr[data-page="acme"] [data-action="edit"]');
    assert.equal(await page.inputValue('#page-title'), 'Acme status');
    assert.equal(await page.locator('#page-slug').getAttribute('readonly'), '');
    await page.fill('#page-title', 'Acme platform status');
    await page.check('#page-service-checkout');
    await page.click('#page-form button[type=submit]');
    await page.locator('#pages tr[data-page="acme"] td', { hasText: 'Acme platform status' }).waitFor();
    const stored = await send<{ title: string; services: { name: string }[] }>(
      t.app,
      'GET',
      '/api/status-pages/acme',
    );
    assert.equal(stored.body.title, 'Acme platform status');
    assert.deepEqual(
      stored.body.services.map((s) => s.name),
      ['api', 'checkout'],
    );
  });

  it('posts an incident and an update, shown on the public page', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.click('#pages tr[data-page="acme"] [data-action="incidents"]');
    await page.locator('#incident-form').waitFor();
    // Empty message: the API's refusal names the field, shown beside it.
    await page.fill('#incident-title', 'Checkout errors');
    await page.click('#incident-form button[type=submit]');
    await page.locator('#incident-form .field-error').waitFor();
    assert.equal(await page.getAttribute('#incident-message', 'aria-invalid'), 'true');
    await page.fill('#incident-message', 'Some payments fail; we are looking into it.');
    await page.selectOption('#incident-form select >> nth=0', 'major');
    await page.click('#incident-form button[type=submit]');
    const incident = page.locator('.incident', { hasText: 'Checkout errors' });
    await incident.waitFor();
    await incident.locator('select').selectOption('resolved');
    await incident.locator('textarea').fill('A fix is deployed.');
    await incident.locator('button[type=submit]').click();
    await page.locator('.incident li', { hasText: 'resolved: A fix is deployed.' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/status-admin.png`, fullPage: true });
    const publicPage = await fetch(`${originOf(t)}/api/status/acme`);
    const body = (await publicPage.json()) as { incidents: { title: string; status: string }[] };
    assert.deepEqual(
      body.incidents.map((i) => [i.title, i.status]),
      [['Checkout errors', 'resolved']],
    );
  });

  it('schedules a maintenance window, refusals shown inline', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.fill('#maintenance-title', 'Database upgrade');
    await page.click('#maintenance-form button[type=submit]');
    const error = page.locator('#maintenance-form .field-error, #maintenance-form .form-error');
    await error.first().waitFor();
    assert.match((await error.first().textContent()) ?? '', /services/);
    await page.check('#maintenance-service-api');
    await page.selectOption('#maintenance-form select', 'weekly');
    await page.check('#maintenance-day-0');
    await page.fill('#maintenance-at', '03:30');
    await page.fill('#maintenance-duration', '90');
    await page.fill('#maintenance-zone', 'Europe/Paris');
    await page.click('#maintenance-form button[type=submit]');
    const row = page.locator('#maintenance tr', { hasText: 'Database upgrade' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /api.*weekly/);
    const windows = await send<{ windows: { schedule: unknown }[] }>(t.app, 'GET', '/api/maintenance');
    assert.deepEqual(windows.body.windows[0]?.schedule, {
      kind: 'weekly',
      weekdays: [0],
      at: '03:30',
      durationMinutes: 90,
      timeZone: 'Europe/Paris',
    });
    await page.screenshot({ path: `${ARTIFACTS}/status-admin-maintenance.png`, fullPage: true });
    assert.deepEqual(
      session.errors.filter((e) => !e.includes('422')),
      [],
    );
    await session.context.close();
  });
});
