import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn } from './browser-session.js';
import { contrastOfTexts, focused } from './page-checks.js';

/**
 * Pixels of the chart's canvas drawn in the theme colour `--chart-<n>` (what uPlot strokes series n with):
 * a hidden series leaves none. Source text: the test project has no DOM types.
 */
const strokePixels = (chart: string, n: number): string => String.raw`(() => {
  const probe = document.createElement('span');
  probe.style.color = getComputedStyle(document.documentElement).getPropertyValue('--chart-${String(n)}');
  document.body.append(probe);
  const [r, g, b] = getComputedStyle(probe).color.match(/\d+/g).map(Number);
  probe.remove();
  const canvas = document.querySelector('${chart} canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 30) count++;
  return count;
})()`;

const pixelsOf = (page: Page, n: number): Promise<number> =>
  page.evaluate<number>(strokePixels('#explore-chart', n));

const CHECKOUT = 'orders_waiting{route="/checkout"}';
const SEARCH = 'orders_waiting{route="/search"}';

/** Issue 19: a chart's legend is operable by keyboard alone, in both themes and at phone width. */
describe('chart legends by keyboard in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser | undefined;

  before(async () => {
    t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    // Two series with samples over the last ten minutes: two lines across the 15-minute chart.
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

  for (const [theme, width] of [
    ['dark', 1280],
    ['light', 390],
  ] as const)
    it(`${theme} theme at ${String(width)} px: Tab reaches each series, Enter and Space hide and show it`, async (ctx) => {
      browser ??= await launch(ctx);
      if (browser === undefined) return;
      const { page, context, errors } = await loggedIn(
        browser,
        t,
        '#/explore?query=orders_waiting&range=15m&mode=graph',
        { colorScheme: theme, width },
      );
      const toggles = page.locator('#explore-chart button.series-toggle');
      await toggles.nth(1).waitFor();
      assert.deepEqual(await toggles.allTextContents(), [CHECKOUT, SEARCH]);
      const search = page.getByRole('button', { name: `Show ${SEARCH}` });
      assert.equal(await search.getAttribute('aria-pressed'), 'true');
      assert.ok((await pixelsOf(page, 2)) > 20, 'the /search line is drawn');

      // Keyboard only from the Run button: Tab reaches both series toggles, each with a focus ring.
      await page.locator('#explore-run').focus();
      const reached: string[] = [];
      for (let i = 0; i < 40 && !reached.includes(`Show ${SEARCH}`); i++) {
        await page.keyboard.press('Tab');
        const now = await focused(page);
        if (now?.name.startsWith('Show orders_waiting') === true) {
          assert.ok(now.ring, `${now.name} shows a focus ring`);
          reached.push(now.name);
        }
      }
      assert.deepEqual(reached, [`Show ${CHECKOUT}`, `Show ${SEARCH}`]);

      await page.keyboard.press('Enter');
      await page.waitForFunction(
        `document.querySelector('#explore-chart button.series-toggle[aria-pressed="false"]') !== null`,
      );
      assert.equal(await search.getAttribute('aria-pressed'), 'false');
      assert.equal(await pixelsOf(page, 2), 0, 'uPlot no longer draws the hidden series');
      assert.ok((await pixelsOf(page, 1)) > 20, 'the other series is still drawn');
      assert.match(
        (await page.locator('#explore-chart tr.u-series').nth(2).getAttribute('class')) ?? '',
        /u-off/,
      );
      await page.screenshot({
        path: `${ARTIFACTS}/chart-legend-${theme}-${String(width)}.png`,
        fullPage: true,
      });
      // The struck-out label of a hidden series is still readable (≥ 4.5:1).
      const legend = (await contrastOfTexts(page)).filter((r) => r.text.startsWith('orders_waiting{route'));
      assert.equal(legend.length, 2);
      for (const r of legend) assert.ok(r.ratio >= 4.5, `${r.text} ${r.ratio.toFixed(2)}:1`);

      await page.keyboard.press('Space');
      await page.waitForFunction(
        `document.querySelector('#explore-chart button.series-toggle[aria-pressed="false"]') === null`,
      );
      assert.ok((await pixelsOf(page, 2)) > 20, 'shown again');
      assert.equal(
        await focused(page).then((f) => f?.name),
        `Show ${SEARCH}`,
        'the focus stays on the toggle',
      );

      // Hidden stays hidden when the chart is drawn again (the theme toggle redraws every chart).
      await page.keyboard.press('Enter');
      await page.click('#theme-toggle');
      await page.waitForFunction(
        `document.querySelector('#explore-chart button.series-toggle[aria-pressed="false"]') !== null`,
      );
      assert.equal(await search.getAttribute('aria-pressed'), 'false');
      assert.equal(await pixelsOf(page, 2), 0, 'still hidden in the other theme');
      assert.ok((await pixelsOf(page, 1)) > 20);
      assert.deepEqual(errors, []);
      await context.close();
    });

  it('the overview charts have the same toggles: Space on P99 hides it in uPlot', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page, context, errors } = await loggedIn(browser, t, '#/');
    const p99 = page.locator('#chart-latency').getByRole('button', { name: 'Show P99' });
    await p99.waitFor();
    for (const [chart, names] of [
      ['#chart-system', ['CPU', 'Memory']],
      ['#chart-traffic', ['Requests', '5xx']],
      ['#chart-latency', ['P50', 'P95', 'P99']],
    ] as const)
      assert.deepEqual(await page.locator(`${chart} button.series-toggle`).allTextContents(), names);
    await p99.focus();
    await page.keyboard.press('Space');
    assert.equal(await p99.getAttribute('aria-pressed'), 'false');
    assert.match(
      (await page.locator('#chart-latency tr.u-series').nth(3).getAttribute('class')) ?? '',
      /u-off/,
    );
    assert.deepEqual(errors, []);
    await context.close();
  });
});
