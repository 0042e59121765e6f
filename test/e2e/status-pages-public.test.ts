import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, originOf } from './browser-session.js';

/** Requests an address may make per minute in this test (the guard's limit covers public routes too). */
const LIMIT = 30;

/** Issue 19: any number of public pages, each its own services under public names; rate limited. */
describe('several public status pages in headless Chromium, without a login', () => {
  let t: TestApp;
  let target: TargetServer;
  let browser: Browser | undefined;

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { status: 'ok' }));
    t = await startTestApp({
      EGRESS_ALLOWLIST: '127.0.0.1',
      RATE_LIMIT_MAX: String(LIMIT),
      RATE_LIMIT_WINDOW: '60000',
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const name of ['payments-internal', 'search-internal'])
      await send(t.app, 'POST', '/api/health/services', { name, url: `${target.base}/ok` });
    for (const [slug, service, publicName] of [
      ['shop', 'payments-internal', 'Payments'],
      ['search', 'search-internal', 'Search'],
    ] as const) {
      const created = await send(t.app, 'POST', '/api/status-pages', {
        slug,
        title: `${publicName} status`,
        services: [{ name: service, publicName }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await target.close();
  });

  it('each page shows only its own services, by public name, at desktop and phone width', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const visitor = await context.newPage();
    for (const [slug, shown, hidden] of [
      ['shop', 'Payments', 'Search'],
      ['search', 'Search', 'Payments'],
    ] as const) {
      const response = await visitor.goto(`${originOf(t)}/status/${slug}`);
      assert.equal(response?.status(), 200);
      const rows = await visitor.locator('tbody tr td:first-child').allTextContents();
      assert.deepEqual(rows, [shown]);
      const text = (await visitor.textContent('body')) ?? '';
      assert.ok(!text.includes(hidden), `${slug} does not show ${hidden}`);
      assert.ok(!text.includes('-internal') && !text.includes(target.base), `${slug}: nothing internal`);
      await visitor.setViewportSize({ width: 1280, height: 900 });
      await visitor.screenshot({ path: `${ARTIFACTS}/status-page-${slug}.png`, fullPage: true });
      await visitor.setViewportSize({ width: 390, height: 844 });
      assert.ok((await visitor.evaluate<number>('document.scrollingElement.scrollWidth')) <= 390);
      await visitor.screenshot({ path: `${ARTIFACTS}/status-page-${slug}-phone.png`, fullPage: true });
    }
    await context.close();
  });

  it('a visitor reloading a page in a loop is stopped with 429 and Retry-After, as problem+json', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const context = await browser.newContext();
    const visitor = await context.newPage();
    const statuses: number[] = [];
    let refused: { retryAfter: string | null; type: string | null; body: string } | undefined;
    for (let i = 0; i < LIMIT + 5 && refused === undefined; i++) {
      // A new URL each time: the same one would come from the browser's cache (max-age), not the server.
      const response = await visitor.goto(`${originOf(t)}/status/shop?visit=${String(i)}`);
      const status = response?.status() ?? 0;
      statuses.push(status);
      if (status === 429 && response !== null)
        refused = {
          retryAfter: await response.headerValue('retry-after'),
          type: await response.headerValue('content-type'),
          body: await response.text(),
        };
    }
    assert.ok(refused !== undefined, `never limited: ${statuses.join(' ')}`);
    assert.ok(statuses.length <= LIMIT + 1, `limited after ${String(statuses.length - 1)} requests`);
    assert.ok(Number(refused.retryAfter) > 0);
    assert.match(refused.type ?? '', /^application\/problem\+json/);
    assert.match(refused.body, /rate_limited/);
    await context.close();
  });
});
