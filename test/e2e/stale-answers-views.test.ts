import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launch, loggedIn } from './browser-session.js';
import { holdAnswers } from './held-answers.js';
import { countDraws, recordTexts } from './drawn-over-time.js';
import { until } from './until.js';

/** The same race as stale-answers.test.ts, in the other views that render a fetch's answer. */
describe('other views show the newest request’s answer, never an older one', () => {
  let t: TestApp;
  let target: TargetServer;
  let browser: Browser | undefined;

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { status: 'ok' }));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    await send(t.app, 'POST', '/api/health/services', { name: 'api', url: `${target.base}/ok` });
    for (const [slug, title] of [
      ['alpha', 'Alpha status'],
      ['beta', 'Beta status'],
    ])
      assert.equal(
        (
          await send(t.app, 'POST', '/api/status-pages', {
            slug,
            title,
            services: [{ name: 'api', publicName: 'API' }],
          })
        ).status,
        201,
      );
    for (const title of ['Window one', 'Window two']) {
      const made = await send(t.app, 'POST', '/api/maintenance', {
        title,
        services: ['api'],
        schedule: { kind: 'cron', expression: '0 3 * * *', durationMinutes: 30, timeZone: 'UTC' },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
  });
  /** Launched by the first test that runs (any one of them alone, with --test-name-pattern). */
  const browserFor = async (ctx: TestContext): Promise<Browser | undefined> =>
    (browser ??= await launch(ctx));
  after(async () => {
    await browser?.close();
    await t.close();
    await target.close();
  });

  it('the overview draws the last range picked, whichever history answers last', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t);
    await page.locator('#chart-system > *').first().waitFor();
    const draws = await countDraws(page, '#chart-system');
    const sixHours = await holdAnswers(page, /\/api\/dashboard\/charts\/system\?range=6h$/);
    await page.selectOption('#range', '6h');
    await until(sixHours.count, (n) => n === 1, 'the 6 h history in flight');
    await page.selectOption('#range', '24h');
    await until(draws, (n) => n === 1, 'the 24 h history drawn');
    await sixHours.release();
    assert.equal(await draws(), 1, 'the 6 h answer, older, is not drawn over the 24 h one');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a service’s response-time chart shows the last window picked', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t, '#/services/api');
    await page.locator('#response-chart > *').first().waitFor();
    const draws = await countDraws(page, '#response-chart');
    // 7 days is asked with a step of 2016 s (a 300-point chart).
    const week = await holdAnswers(page, /\/api\/v1\/query_range\?.*step=2016/);
    await page.selectOption('#response-span', '7d');
    await until(week.count, (n) => n === 1, 'the 7 d history in flight');
    await page.selectOption('#response-span', '1h');
    await until(draws, (n) => n === 1, 'the 1 h history drawn');
    await week.release();
    assert.equal(await draws(), 1, 'the 7 d answer, older, is not drawn over the 1 h one');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a service page’s reload after an action does not undo a newer one', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t, '#/services/api');
    const toggle = page.locator('#pause-resume');
    await page.locator('#pause-resume', { hasText: 'Pause' }).waitFor();
    const shown = await recordTexts(page, '#service-page', '#pause-resume');
    const detail = await holdAnswers(page, /\/api\/health\/services\/api$/, 1);
    await toggle.click(); // its reload answers "paused": held
    await until(detail.count, (n) => n === 1, 'the reload after Pause in flight');
    await send(t.app, 'POST', '/api/health/services/api/resume', {});
    const newer = page.waitForEvent('requestfinished', (r) => /\/api\/health\/services\/api$/.test(r.url()));
    await page.click('#check-now'); // its reload answers "resumed"
    await newer;
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    await detail.release();
    assert.equal(await toggle.textContent(), 'Pause');
    assert.ok(!(await shown()).includes('Resume'), 'the older "paused" answer is never shown');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('the incidents of the last status page picked are shown', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t, '#/status-pages');
    await page.locator('#pages [data-page="alpha"]').waitFor();
    const alpha = await holdAnswers(page, /\/api\/status-pages\/alpha\/incidents$/);
    await page.click('[data-page="alpha"] [data-action="incidents"]');
    await until(alpha.count, (n) => n === 1, 'Alpha’s incidents in flight');
    await page.click('[data-page="beta"] [data-action="incidents"]');
    await page.locator('#incidents-title', { hasText: 'Beta status' }).waitFor();
    await alpha.release();
    assert.match((await page.textContent('#incidents-title')) ?? '', /Beta status/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('the maintenance list after two deletions shows neither window', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t, '#/status-pages');
    const rows = page.locator('#maintenance tr[data-window]');
    await until(
      () => rows.count(),
      (n) => n === 2,
      'both windows listed',
    );
    page.on('dialog', (dialog) => void dialog.accept());
    const list = await holdAnswers(page, /\/api\/maintenance$/, 1);
    await rows.filter({ hasText: 'Window one' }).locator('.maintenance-delete').click();
    await until(list.count, (n) => n === 1, 'the reload after the first deletion in flight');
    await rows.filter({ hasText: 'Window two' }).locator('.maintenance-delete').click();
    await page.locator('#maintenance-heading + p', { hasText: 'No maintenance window.' }).waitFor();
    await list.release();
    assert.equal(await rows.count(), 0, 'the older list (with Window two) is not shown again');
    assert.deepEqual(errors, []);
    await context.close();
  });
  it('the status pages list after two editor reloads shows the newer one', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t, '#/status-pages');
    await page.locator('#pages [data-page="alpha"]').waitFor();
    const pages = await holdAnswers(page, /\/api\/status-pages$/, 1);
    await page.click('[data-page="alpha"] [data-action="edit"]');
    await page.click('#page-form button[type=button]'); // Cancel: its reload answers alpha and beta, held
    await until(pages.count, (n) => n === 1, 'the reload after Cancel in flight');
    const made = await send(t.app, 'POST', '/api/status-pages', {
      slug: 'gamma',
      title: 'Gamma status',
      services: [{ name: 'api', publicName: 'API' }],
    });
    assert.equal(made.status, 201);
    await page.click('[data-page="beta"] [data-action="edit"]');
    await page.click('#page-form button[type=button]'); // its reload answers with gamma too
    await page.locator('#pages [data-page="gamma"]').waitFor();
    const shown = await recordTexts(page, '[aria-labelledby="pages-title"]', '#pages');
    await pages.release();
    assert.equal(await page.locator('#pages [data-page="gamma"]').count(), 1);
    const without = (await shown()).filter((text) => !text.includes('Gamma status'));
    assert.deepEqual(without, [], 'the older list (without gamma) is never shown');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
