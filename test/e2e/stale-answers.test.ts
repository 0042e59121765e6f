import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launch, loggedIn } from './browser-session.js';
import { holdAnswers } from './held-answers.js';
import { recordTexts } from './drawn-over-time.js';
import { until } from './until.js';

/**
 * Races where an older answer used to be shown over a newer one (or a newer request was dropped). Each
 * test holds the older request's real answer (see held-answers.ts) so the race happens on every run.
 */
describe('the page shows the newest request’s answer, never an older one', () => {
  let t: TestApp;
  let browser: Browser | undefined;

  before(async () => {
    t = await startTestApp({ WEBSOCKET_BROADCAST_INTERVAL: '500' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Queue backlog',
      metricName: 'queue_backlog',
      threshold: 100,
      severity: 'warning',
    });
    await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'queue_backlog',
      value: 250,
      labels: { queue: 'mail' },
    });
    for (const route of ['/checkout', '/search'])
      await send(t.app, 'POST', '/api/metrics/custom', {
        name: 'orders_waiting',
        value: 1,
        labels: { route },
      });
    await t.services.alerting.engine.settled();
  });
  /** Launched by the first test that runs (any one of them alone, with --test-name-pattern). */
  const browserFor = async (ctx: TestContext): Promise<Browser | undefined> =>
    (browser ??= await launch(ctx));
  after(async () => {
    await browser?.close();
    await t.close();
  });

  const resourceSeen = (page: Page, part: string): Promise<boolean> =>
    page.evaluate((p) => performance.getEntriesByType('resource').some((e) => e.name.includes(p)), part);

  it('a range picked while a push-triggered business load runs is loaded, and the older answer dropped', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t);
    await until(() => resourceSeen(page, '/api/metrics/business?window=1h'), Boolean, 'the first load');
    const oneHour = await holdAnswers(page, /\/api\/metrics\/business\?window=1h$/);
    // A family the panel has never seen: the next live push reloads the panel (for 1 h, held).
    await send(t.app, 'POST', '/api/metrics/business', {
      name: 'bookings_total',
      type: 'counter',
      value: 40,
    });
    await until(oneHour.count, (n) => n >= 1, 'a push-triggered load for 1 h in flight');
    await page.selectOption('#range', '6h');
    // Only the 6 h load can draw the tile: the 1 h one is held, and the page had no business metric.
    await page.locator('#kpi-bookings').waitFor({ timeout: 15_000 });
    assert.ok(await resourceSeen(page, '/api/metrics/business?window=6h'), 'the panel was loaded for 6 h');
    await page.evaluate("document.getElementById('kpi-bookings').dataset.drawnBy = '6h'");
    await oneHour.release();
    // The stale 1 h answer drew nothing: the tile the 6 h answer drew is still there.
    assert.equal(await page.locator('#kpi-bookings[data-drawn-by="6h"]').count(), 1);
    assert.equal(await page.inputValue('#range'), '6h');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('an older reload of the lists answering last does not undo a newer one', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t);
    const alert = page.locator('#alerts [data-alert]', { hasText: 'Queue backlog' });
    await alert.locator('[data-action="acknowledge"]').waitFor();
    const lists = await holdAnswers(page, /\/api\/alerts\?state=firing,pending$/, 1);
    // The reload after the action (act().then) answers "firing, acknowledged": held.
    await alert.locator('[data-action="acknowledge"]').click();
    await until(lists.count, (n) => n === 1, 'the reload after the acknowledgement in flight');
    // The condition stops holding: the alert resolves, and its socket event reloads the lists (newer).
    await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'queue_backlog',
      value: 5,
      labels: { queue: 'mail' },
    });
    await page.locator('#alerts', { hasText: 'Nothing firing' }).waitFor({ timeout: 15_000 });
    const shown = await recordTexts(page, '#alerts', '#alerts');
    await lists.release();
    assert.match((await page.textContent('#alerts')) ?? '', /Nothing firing/);
    const again = (await shown()).filter((text) => text.includes('Queue backlog'));
    assert.deepEqual(again, [], 'the resolved alert is not shown again, even for a moment');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('Enter and Tab take a completion for the text as typed, not for the list still shown', async (ctx) => {
    const browser = await browserFor(ctx);
    if (browser === undefined) return;
    const { page, errors, context } = await loggedIn(browser, t, '#/explore');
    const box = page.locator('#explore-query');
    const options = page.locator('#explore-query-completions [role="option"] span:first-child');
    const valuesShown = async (): Promise<void> => {
      await box.fill('orders_waiting{route="');
      await until(
        () => options.allTextContents(),
        (v) => v.join() === '/checkout,/search',
        'the values',
      );
    };
    await valuesShown();
    let values = await holdAnswers(page, /\/api\/v1\/label\/route\/values/);
    await box.pressSequentially('/c');
    await until(values.count, (n) => n === 2, 'both keystrokes’ lists in flight');
    await box.press('Enter'); // the list shown is still the one for `"`: /checkout fits `/c`
    assert.equal(await box.inputValue(), 'orders_waiting{route="/checkout"');
    await values.release();

    await page.unrouteAll();
    await valuesShown();
    values = await holdAnswers(page, /\/api\/v1\/label\/route\/values/);
    await box.pressSequentially('/s');
    await until(values.count, (n) => n === 2, 'both keystrokes’ lists in flight');
    await box.press('Tab'); // /checkout (chosen in the stale list) does not fit `/s`: nothing taken
    assert.equal(await box.inputValue(), 'orders_waiting{route="/s');
    assert.equal(
      await page.evaluate<boolean>("document.activeElement?.id === 'explore-query'"),
      true,
      'focus stays in the box',
    );
    await values.release();
    await until(
      () => options.allTextContents(),
      (v) => v.join() === '/search',
      'the list for `/s`',
    );
    await box.press('Enter');
    assert.equal(await box.inputValue(), 'orders_waiting{route="/search"');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
