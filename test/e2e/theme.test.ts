import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, seedViews } from './browser-session.js';
import { contrastOfTexts, VIEW_READY } from './page-checks.js';

/** WCAG AA for body text. */
const MIN_CONTRAST = 4.5;

/** Issue 19: light and dark themes; every text readable (≥ 4.5:1) on every view in both. */
describe('themes in headless Chromium', () => {
  let t: TestApp;
  let target: TargetServer;
  let browser: Browser | undefined;
  let alertId = '';

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { status: 'ok' }));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    alertId = await seedViews(t, `${target.base}/ok`);
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await target.close();
  });

  const backgroundOf = (page: Page): Promise<string> =>
    page.evaluate<string>('getComputedStyle(document.body).backgroundColor');

  /** Each view in turn, waiting for what shows it has drawn, then the contrast of every visible text. */
  async function checkViews(page: Page, theme: string, width = 1280): Promise<string[]> {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    const failures: string[] = [];
    // Every part of a view drawn (some come from a request of their own): a text not there yet is not checked.
    const views: [string, string[]][] = [
      ['#/', ['#services [data-service="api"]', VIEW_READY.overviewCharts]],
      ['#/explore?query=queue_backlog&range=5m&mode=table', ['#explore-table td', VIEW_READY.exploreBuilder]],
      [`#/alerts/${alertId}`, ['.timeline .event']],
      ['#/status-pages', ['#pages tr[data-page="acme"]', VIEW_READY.maintenance]],
    ];
    for (const [hash, ready] of views) {
      await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
      for (const part of ready) await page.locator(part).first().waitFor({ timeout: 10_000 });
      await page.locator('#alerts .alert').first().waitFor({ state: 'attached' });
      const name = /^#\/([a-z-]*)/.exec(hash)?.[1] || 'overview';
      const suffix = width < 600 ? '-phone' : '';
      await page.screenshot({ path: `${ARTIFACTS}/theme-${theme}-${name}${suffix}.png`, fullPage: true });
      // At phone width nothing is wider than the screen (no sideways scrolling of the whole page).
      const pageWidth = await page.evaluate<number>('document.scrollingElement.scrollWidth');
      if (pageWidth > width)
        failures.push(`${theme} ${hash} is ${String(pageWidth)} px wide at ${String(width)} px`);
      for (const r of await contrastOfTexts(page))
        if (r.ratio < MIN_CONTRAST)
          failures.push(
            `${theme} ${hash} "${r.text}" ${r.ratio.toFixed(2)}:1 (${r.color} on ${r.background})`,
          );
    }
    return failures;
  }

  it('follows the system (light) with no choice stored, and every text has contrast ≥ 4.5:1', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    const { page, context, errors } = await loggedIn(browser, t, '', { colorScheme: 'light' });
    assert.equal(await page.getAttribute('html', 'data-theme'), null);
    assert.equal(await backgroundOf(page), 'rgb(246, 248, 250)');
    const failures = await checkViews(page, 'light');
    assert.deepEqual(failures, []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('the toggle switches to dark, is kept in localStorage across a reload, and dark passes too', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page, context, errors } = await loggedIn(browser, t, '', { colorScheme: 'light' });
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-label'), 'Switch to the dark theme');
    await page.click('#theme-toggle');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await backgroundOf(page), 'rgb(15, 19, 24)');
    await page.reload();
    await page.locator('#login').waitFor({ state: 'hidden' });
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'the choice outlives a reload');
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-label'), 'Switch to the light theme');
    const failures = await checkViews(page, 'dark');
    assert.deepEqual(failures, []);
    assert.deepEqual(await checkViews(page, 'dark', 390), [], 'phone width');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
