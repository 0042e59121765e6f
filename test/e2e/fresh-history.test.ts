import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn } from './browser-session.js';

/**
 * Pixels between `from` and `to` (fractions of the width) of the first business chart's canvas drawn in
 * `--chart-1`, its first series' stroke. Source text: the test project has no DOM types.
 */
const strokePixels = (from: number, to: number): string => String.raw`(() => {
  const probe = document.createElement('span');
  probe.style.color = getComputedStyle(document.documentElement).getPropertyValue('--chart-1');
  document.body.append(probe);
  const [r, g, b] = getComputedStyle(probe).color.match(/\d+/g).map(Number);
  probe.remove();
  const canvas = document.querySelector('#chart-business canvas');
  const x = Math.floor(canvas.width * ${String(from)});
  const width = Math.floor(canvas.width * ${String(to)}) - x;
  const data = canvas.getContext('2d').getImageData(x, 0, width, canvas.height).data;
  let count = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 30) count++;
  return count;
})()`;

/**
 * Issue 19's defect "range queries invent history": a fresh dashboard drew an hour of flat zeros before a
 * metric's first sample. Fixed in the query layer (test/api/query-absent.test.ts); this is the page's view.
 */
describe('a metric pushed for the first time, on a fresh dashboard in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser | undefined;

  before(async () => {
    t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await send(t.app, 'POST', '/api/metrics/business', { name: 'active_users', value: 87 });
  });
  after(async () => {
    await browser?.close();
    await t.close();
  });

  it('draws nothing before the first sample: no line of zeros across the range', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    const { page, context, errors } = await loggedIn(browser, t);
    await page.selectOption('#range', '15m');
    await page.locator('#chart-business canvas').waitFor();
    // A second sample, and the live pushes meanwhile: a short line at the right end, where the data is.
    await page.waitForTimeout(1000);
    await send(t.app, 'POST', '/api/metrics/business', { name: 'active_users', value: 90 });
    await page.waitForFunction(`${strokePixels(0.8, 1)} > 0`, undefined, { timeout: 15_000 });
    await page.screenshot({ path: `${ARTIFACTS}/fresh-history.png`, fullPage: true });
    assert.equal(await page.evaluate<number>(strokePixels(0, 0.8)), 0, 'no line before the first sample');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
