import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launch, loggedIn, seedViews, type Session } from './browser-session.js';
import { focused, VIEW_READY, visibleControls, type Focused } from './page-checks.js';

/** Tab presses at most per view: more than any view has controls, so a trap or a loop shows as a failure. */
const MAX_TABS = 120;

/**
 * Tabs from the top of the page until the focus comes back to the first control (or leaves the page):
 * every control on the way, in order.
 */
async function tabThrough(page: Page): Promise<Focused[]> {
  await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
  const seen: Focused[] = [];
  let outside = 0;
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    // Past the last control the focus goes to the browser's own UI, then wraps to the first control.
    if (now === null) {
      if (++outside > 2) break;
      continue;
    }
    if (seen.length > 0 && now.tag === seen[0]!.tag && now.name === seen[0]!.name) break;
    seen.push(now);
  }
  return seen;
}

/** Issue 19: every control reachable and operable by keyboard, with a visible focus ring. */
describe('keyboard audit in headless Chromium', () => {
  let t: TestApp;
  let target: TargetServer;
  let browser: Browser | undefined;
  /** One logged-in tab for the whole audit (a holder: each test may be the first to open it). */
  const opened: { session?: Session } = {};
  let alertId = '';

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { status: 'ok' }));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    alertId = await seedViews(t, `${target.base}/ok`);
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await target.close();
  });

  /**
   * Each view with what shows every part of it drawn: parts come from separate requests (the overview's
   * lists and its charts' history; Explore's result and its builder; the status pages and their
   * maintenance windows), and a control drawn after the Tab walk went past it would read as unreachable.
   */
  const views: [string, string, string[]][] = [
    ['overview', '#/', ['#alerts .alert [data-action="acknowledge"]', VIEW_READY.overviewCharts]],
    [
      'explore',
      '#/explore?query=queue_backlog&range=5m&mode=table',
      ['#explore-table td', VIEW_READY.exploreBuilder],
    ],
    ['alert timeline', '#/alerts/{id}', ['.timeline .event']],
    ['status pages', '#/status-pages', ['#pages tr[data-page="acme"]', VIEW_READY.maintenance]],
  ];

  for (const [name, hash, ready] of views)
    it(`${name}: Tab reaches every visible control, each with a visible focus ring`, async (ctx) => {
      browser ??= await launch(ctx);
      if (browser === undefined) return;
      opened.session ??= await loggedIn(browser, t);
      const { page } = opened.session;
      await page.evaluate(`window.location.hash = ${JSON.stringify(hash.replace('{id}', alertId))}`);
      for (const part of ready) await page.locator(part).first().waitFor({ timeout: 10_000 });
      const order = await tabThrough(page);
      const controls = await visibleControls(page);
      const key = (c: { tag: string; name: string }): string => `${c.tag} ${c.name}`;
      const reached = new Set(order.map(key));
      console.log(`${name}: ${String(order.length)} tab stops: ${order.map(key).join(' | ')}`);
      assert.deepEqual(
        controls.map(key).filter((c) => !reached.has(c)),
        [],
        `not reachable by Tab on ${name}`,
      );
      assert.deepEqual(
        order.filter((f) => !f.ring).map(key),
        [],
        `focused without a visible ring on ${name}`,
      );
    });

  it('operates by keyboard: nav link with Enter, a view action with Enter, a select with arrows', async (ctx) => {
    const current = opened.session;
    if (browser === undefined || current === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = current;
    await page.evaluate('window.location.hash = "#/"');
    await page.locator('nav.views a[href="#/explore"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#explore-query').waitFor();
    assert.match(new URL(page.url()).hash, /^#\/explore/);
    await page.locator('#explore-query').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('sum(queue_backlog)');
    await page.keyboard.press('Escape'); // closes the completion list if one opened
    await page.locator('#explore-mode').focus();
    await page.keyboard.press('ArrowDown'); // graph → table, runs the query
    await page.locator('#explore-table td', { hasText: '250' }).waitFor();
    await page.locator('nav.views a[href="#/status-pages"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#page-new').focus();
    await page.keyboard.press('Enter');
    await page.locator('#page-title:focus').waitFor();
    assert.deepEqual(current.errors, []);
    await current.context.close();
  });
});
