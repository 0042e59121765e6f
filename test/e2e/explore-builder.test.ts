import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, type Session } from './browser-session.js';
import { until } from './until.js';

const counterText = (mail: number, sms: number): string =>
  `# TYPE jobs_done_total counter\n# HELP jobs_done_total Jobs done.\njobs_done_total{queue="mail"} ${String(mail)}\njobs_done_total{queue="sms"} ${String(sms)}\n`;

/** The value attributes of the matched elements (options of a select or a datalist). */
async function valuesOf(options: Locator): Promise<string[]> {
  const values: string[] = [];
  for (const option of await options.all()) values.push((await option.getAttribute('value')) ?? '');
  return values;
}

/** Issue 19: Explore's point-and-click builder in real Chromium, on data pushed through the API. */
describe('Explore builder in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser | undefined;
  let session: Session;

  before(async () => {
    t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    // A counter through the Pushgateway API (typed and with help, as /api/v1/metadata lists it), pushed
    // twice so rate() has two samples; a gauge through the custom-metric API.
    for (const [mail, sms] of [
      [5, 9],
      [11, 12],
    ] as const) {
      const pushed = await t.app.inject({
        method: 'PUT',
        url: '/metrics/job/worker',
        headers: { 'content-type': 'text/plain; version=0.0.4' },
        payload: counterText(mail, sms),
      });
      assert.equal(pushed.statusCode, 200, pushed.body);
      await sleep(1100);
    }
    for (const [route, value] of [
      ['/checkout', 12],
      ['/search', 30],
    ] as const)
      await send(t.app, 'POST', '/api/metrics/custom', { name: 'orders_waiting', value, labels: { route } });
  });
  after(async () => {
    await browser?.close();
    await t.close();
  });

  it('builds a query by choosing, shows it in the box, the chart and the table, and keeps it in the URL', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    session = await loggedIn(browser, t, '#/explore');
    const { page } = session;
    const box = page.locator('#explore-query');
    await page.locator('#explore-metric').waitFor();
    // Metric: searchable from the list of names; its type and help shown.
    await page.fill('#explore-metric', 'jobs_done_total');
    await page.press('#explore-metric', 'Enter');
    await page.locator('#explore-metric-info', { hasText: 'counter · Jobs done.' }).waitFor();
    assert.equal(await page.inputValue('#explore-fn'), 'rate', 'a counter starts as a rate');
    assert.deepEqual(await page.locator('#explore-fn option').allTextContents(), [
      'rate (per second)',
      'increase',
      'Raw values',
    ]);
    assert.equal(await box.inputValue(), 'rate(jobs_done_total[5m])');
    const legend = page.locator('#explore-chart .u-legend .u-series .u-label');
    await legend.nth(2).waitFor();

    // A label filter: label and value from /api/v1/labels and /api/v1/label/<n>/values.
    await page.click('#explore-add-filter');
    assert.equal(await page.inputValue('#explore-filter-0-label'), 'job');
    await page.selectOption('#explore-filter-0-label', 'queue');
    await until(
      () => valuesOf(page.locator('#explore-filter-0-values option')),
      (v) => v.join() === 'mail,sms',
      'the values of queue',
    );
    await page.fill('#explore-filter-0-value', 'mail');
    await page.press('#explore-filter-0-value', 'Enter');
    await until(
      () => box.inputValue(),
      (v) => v.includes('mail'),
      'the box',
    );
    assert.equal(await box.inputValue(), 'rate(jobs_done_total{queue="mail"}[5m])');

    // Aggregate: sum by queue.
    await page.selectOption('#explore-agg', 'sum');
    await page.check('#explore-by-queue');
    assert.equal(await box.inputValue(), 'sum by (queue) (rate(jobs_done_total{queue="mail"}[5m]))');
    // The filtered query's legend (one series too) is still shown until the aggregation's answer comes.
    await until(
      () => legend.allTextContents(),
      (labels) => labels.join('|') === 'Time|{queue="mail"}',
      "the aggregation's legend",
    );
    await page.screenshot({ path: `${ARTIFACTS}/explore-builder.png`, fullPage: true });

    // The table of the same query.
    await page.selectOption('#explore-mode', 'table');
    const cells = page.locator('#explore-table td');
    await cells.first().waitFor();
    assert.equal(await cells.first().textContent(), '{queue="mail"}');
    assert.ok(Number(await cells.nth(1).textContent()) > 0, 'a positive rate');

    // The URL is the state: reloaded, the box, the builder and the table are the same.
    const hash = new URL(page.url()).hash;
    assert.match(hash, /^#\/explore\?query=sum\+by\+%28queue%29/);
    await page.reload();
    await cells.first().waitFor();
    assert.equal(await box.inputValue(), 'sum by (queue) (rate(jobs_done_total{queue="mail"}[5m]))');
    await page.locator('#explore-metric-info', { hasText: 'counter' }).waitFor();
    assert.equal(await page.inputValue('#explore-metric'), 'jobs_done_total');
    assert.equal(await page.inputValue('#explore-filter-0-label'), 'queue');
    assert.equal(await page.inputValue('#explore-filter-0-value'), 'mail');
    assert.equal(await page.inputValue('#explore-agg'), 'sum');
    assert.equal(await page.isChecked('#explore-by-queue'), true);

    // Back undoes the last choice (grouping), forward redoes it.
    await page.goBack();
    await until(
      () => box.inputValue(),
      (v) => v === 'sum(rate(jobs_done_total{queue="mail"}[5m]))',
      'the box after back',
    );
    assert.equal(await page.isChecked('#explore-by-queue'), false);
    await page.goForward();
    await until(
      () => box.inputValue(),
      (v) => v.startsWith('sum by'),
      'the box after forward',
    );
  });

  it('offers a gauge its own functions, notes a hand-written query, and is operable by keyboard at phone width', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    for (const colorScheme of ['dark', 'light'] as const) {
      const phone = await loggedIn(browser, t, '#/explore?mode=table', { width: 390, colorScheme });
      const { page } = phone;
      await page.locator('#explore-metric').focus();
      await page.keyboard.type('orders_waiting');
      await page.keyboard.press('Enter');
      await page.locator('#explore-fn').waitFor();
      assert.deepEqual(await valuesOf(page.locator('#explore-fn option')), [
        'raw',
        'avg_over_time',
        'max_over_time',
        'min_over_time',
      ]);
      // Tab to the function and choose with the arrow keys.
      await page.locator('#explore-fn').focus();
      await page.keyboard.press('ArrowDown');
      await until(
        () => page.inputValue('#explore-query'),
        (v) => v === 'avg_over_time(orders_waiting[5m])',
        'the box',
      );
      // Waits for the function's answer: the raw query's table (names kept) is still shown until it comes.
      const functionTable = [
        '{route="/checkout"}', // a function drops the name, as in Prometheus
        '12',
        '{route="/search"}',
        '30',
      ];
      await until(
        () => page.locator('#explore-table td').allTextContents(),
        (cells) => JSON.stringify(cells) === JSON.stringify(functionTable),
        "the table of the function's answer",
      );
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      assert.ok(overflow <= 0, `no sideways scroll at 390 px (${String(overflow)} px)`);
      await page.screenshot({
        path: `${ARTIFACTS}/explore-builder-phone-${colorScheme}.png`,
        fullPage: true,
      });

      // Written by hand: the builder says so rather than misreading it.
      await page.fill('#explore-query', 'sum(orders_waiting) / 2');
      await page.press('#explore-query', 'Enter');
      await page.locator('#explore-builder-note', { hasText: 'written by hand' }).waitFor();
      assert.deepEqual(phone.errors, []);
      await phone.context.close();
    }
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});
