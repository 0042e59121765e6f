import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, type Session } from './browser-session.js';

/** Issue 19/17: #/explore in real Chromium, against the service's own /api/v1. */
describe('Explore in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser | undefined;
  let session: Session;

  before(async () => {
    t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    // Three samples a series over the last ten minutes: lines, not dots; the last values are 12 and 30.
    for (const [route, values] of [
      ['/checkout', [4, 9, 12]],
      ['/search', [22, 25, 30]],
    ] as const)
      for (const [i, value] of values.entries())
        await send(t.app, 'POST', '/api/metrics/custom', {
          name: 'orders_waiting',
          value,
          labels: { route },
          timestamp: Date.now() - (2 - i) * 240_000,
        });
  });
  after(async () => {
    await browser?.close();
    await t.close();
  });

  it('completes metric names, label names and label values from /api/v1', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    session = await loggedIn(browser, t, '#/explore');
    const { page } = session;
    const box = page.locator('#explore-query');
    await box.waitFor();
    await box.pressSequentially('orders_w');
    const options = page.locator('#explore-query-completions [role="option"]');
    await options.first().waitFor();
    assert.equal(await options.first().locator('span').textContent(), 'orders_waiting');
    await box.press('Enter'); // takes the completion, does not run
    assert.equal(await box.inputValue(), 'orders_waiting');
    await box.pressSequentially('{');
    await options.first().waitFor();
    assert.deepEqual(await options.locator('span').allTextContents(), ['route']);
    await box.press('Tab');
    assert.equal(await box.inputValue(), 'orders_waiting{route="');
    // The label names' list may still be shown: wait for the values'.
    await options.locator('span', { hasText: '/checkout' }).waitFor();
    assert.deepEqual(await options.locator('span').allTextContents(), ['/checkout', '/search']);
    await box.press('ArrowDown');
    await box.press('Enter');
    assert.equal(await box.inputValue(), 'orders_waiting{route="/search"');
    await box.press('Escape');
  });

  it('charts a range query with one line per series and a legend, and keeps it in the URL', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.fill('#explore-query', 'orders_waiting');
    await page.selectOption('#explore-range', '15m');
    await page.click('#explore-run');
    const legend = page.locator('#explore-chart .u-legend .u-series .u-label');
    await legend.nth(2).waitFor();
    assert.deepEqual(await legend.allTextContents(), [
      'Time',
      'orders_waiting{route="/checkout"}',
      'orders_waiting{route="/search"}',
    ]);
    assert.equal(await page.textContent('#explore-step'), 'step 5 s');
    const url = new URL(page.url());
    assert.equal(url.hash, '#/explore?query=orders_waiting&range=15m&mode=graph');
    await page.screenshot({ path: `${ARTIFACTS}/explore-graph.png`, fullPage: true });

    // The URL is the view: opened in a new tab it shows the same query, run.
    const shared = await loggedIn(browser, t, url.hash);
    await shared.page.locator('#explore-chart .u-legend .u-series').nth(2).waitFor();
    assert.equal(await shared.page.inputValue('#explore-query'), 'orders_waiting');
    assert.equal(await shared.page.inputValue('#explore-range'), '15m');
    await shared.context.close();
  });

  it('shows an instant query as a table', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.fill('#explore-query', 'sum(orders_waiting)');
    await page.selectOption('#explore-mode', 'table');
    const cells = page.locator('#explore-table td');
    await cells.first().waitFor();
    assert.deepEqual(await cells.allTextContents(), ['{}', '42']);
    await page.fill('#explore-query', 'orders_waiting * 2');
    await page.press('#explore-query', 'Enter');
    await page.locator('#explore-table td', { hasText: '60' }).waitFor();
    assert.deepEqual(await cells.allTextContents(), ['{route="/checkout"}', '24', '{route="/search"}', '60']);
  });

  it('shows a bad_data error with a caret at the position Prometheus names', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    await page.fill('#explore-query', 'sum(rate(orders_waiting[5m]');
    await page.press('#explore-query', 'Enter');
    const error = page.locator('#explore-error');
    await error.locator('.error-position').waitFor();
    assert.match((await error.textContent()) ?? '', /^bad_data .*1:28: parse error/);
    assert.equal(await error.locator('.error-position').getAttribute('data-column'), '28');
    assert.equal(
      await error.locator('.error-position').textContent(),
      `sum(rate(orders_waiting[5m]\n${' '.repeat(27)}^`,
    );
    await page.screenshot({ path: `${ARTIFACTS}/explore-error.png`, fullPage: true });
  });

  it('keeps recent queries in localStorage and runs one again from the list', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    const history = page.locator('#explore-history button');
    assert.deepEqual(await history.allTextContents(), [
      'orders_waiting * 2',
      'sum(orders_waiting)',
      'orders_waiting',
    ]);
    await page.reload();
    await history.first().waitFor();
    assert.equal(await history.count(), 3, 'the history outlives a reload');
    await history.nth(1).click();
    await page.locator('#explore-table td', { hasText: '42' }).waitFor();
    assert.equal(await page.inputValue('#explore-query'), 'sum(orders_waiting)');
    assert.deepEqual(
      session.errors.filter((e) => !e.includes('400 (Bad Request)')),
      [],
    );
    await session.context.close();
  });
});
