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
  });

  it('schedules monthly and cron windows, shows the API refusals inline, edits and deletes a window', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    const scheduleOf = async (title: string): Promise<unknown> => {
      const all = await send<{ windows: { title: string; schedule: unknown }[] }>(
        t.app,
        'GET',
        '/api/maintenance',
      );
      return all.body.windows.find((w) => w.title === title)?.schedule;
    };
    const fieldError = (control: string) => page.locator(`#${control} + .field-error`);

    // Monthly: days of the month, at a time, in a zone; an unknown zone is the API's message next to it.
    await page.fill('#maintenance-title', 'Patch night');
    await page.check('#maintenance-service-api');
    await page.selectOption('#maintenance-kind', 'monthly');
    assert.equal(await page.isVisible('#maintenance-days-of-month'), true);
    assert.equal(await page.isVisible('#maintenance-day-0'), false, 'weekdays hidden for monthly');
    await page.fill('#maintenance-days-of-month', '1, 15');
    await page.fill('#maintenance-at', '01:00');
    await page.fill('#maintenance-duration', '120');
    await page.fill('#maintenance-zone', 'Mars/Olympus');
    await page.click('#maintenance-form button[type=submit]');
    await fieldError('maintenance-zone').waitFor();
    assert.match((await fieldError('maintenance-zone').textContent()) ?? '', /Mars\/Olympus/);
    assert.equal(await page.getAttribute('#maintenance-zone', 'aria-invalid'), 'true');
    await page.fill('#maintenance-zone', 'America/New_York');
    await page.click('#maintenance-form button[type=submit]');
    await page.locator('#maintenance tr', { hasText: 'Patch night' }).waitFor();
    assert.deepEqual(await scheduleOf('Patch night'), {
      kind: 'monthly',
      daysOfMonth: [1, 15],
      at: '01:00',
      durationMinutes: 120,
      timeZone: 'America/New_York',
    });

    // Cron: a bad expression refused next to its field, then saved.
    await page.fill('#maintenance-title', 'Nightly backup');
    await page.check('#maintenance-service-checkout');
    await page.selectOption('#maintenance-kind', 'cron');
    assert.equal(await page.isVisible('#maintenance-at'), false, 'a cron expression has its own time');
    await page.fill('#maintenance-cron', 'every night');
    await page.fill('#maintenance-duration', '30');
    await page.fill('#maintenance-zone', 'Europe/Paris');
    await page.click('#maintenance-form button[type=submit]');
    await fieldError('maintenance-cron').waitFor();
    await page.fill('#maintenance-cron', '0 3 * * 1-5');
    await page.click('#maintenance-form button[type=submit]');
    const cronRow = page.locator('#maintenance tr', { hasText: 'Nightly backup' });
    await cronRow.waitFor();
    assert.match((await cronRow.textContent()) ?? '', /cron 0 3 \* \* 1-5 \(Europe\/Paris\), 30 min/);

    // Edit: the window's own values in the form; saved with PUT, still one row.
    await page.click('#maintenance tr:has-text("Patch night") button:text("Edit")');
    await page.locator('#maintenance-form-heading', { hasText: 'Edit maintenance: Patch night' }).waitFor();
    assert.equal(await page.inputValue('#maintenance-kind'), 'monthly');
    assert.equal(await page.inputValue('#maintenance-days-of-month'), '1, 15');
    assert.equal(await page.inputValue('#maintenance-zone'), 'America/New_York');
    assert.equal(await page.isChecked('#maintenance-service-api'), true);
    await page.fill('#maintenance-days-of-month', '2');
    await page.fill('#maintenance-at', '04:15');
    await page.click('#maintenance-form button[type=submit]');
    await page.locator('#maintenance tr', { hasText: 'monthly on day 2 04:15' }).waitFor();
    assert.equal(await page.locator('#maintenance tr', { hasText: 'Patch night' }).count(), 1);
    assert.deepEqual(await scheduleOf('Patch night'), {
      kind: 'monthly',
      daysOfMonth: [2],
      at: '04:15',
      durationMinutes: 120,
      timeZone: 'America/New_York',
    });
    await page.screenshot({ path: `${ARTIFACTS}/status-admin-maintenance-edit.png`, fullPage: true });

    // Delete, after a confirmation.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#maintenance tr:has-text("Database upgrade") button:text("Delete")');
    await page.locator('#maintenance tr', { hasText: 'Database upgrade' }).waitFor({ state: 'detached' });
    assert.equal(await scheduleOf('Database upgrade'), undefined);
    assert.deepEqual(
      session.errors.filter((e) => !e.includes('422')),
      [],
    );
    await session.context.close();
  });
});
