import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { certificate } from '../support/certificate.js';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn } from './browser-session.js';

/** Issue 19: the service page shows the certificate's expiry and the response-time percentiles. */
describe('the service page of an HTTPS service in headless Chromium', () => {
  let t: TestApp;
  let server: Server;
  let browser: Browser | undefined;

  before(async () => {
    // A real HTTPS server whose self-signed certificate (real openssl) expires in 10 days.
    server = createServer(await certificate(mkdtempSync(join(tmpdir(), 'e2e-cert-')), 10), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    const created = await send(t.app, 'POST', '/api/health/services', {
      name: 'shop',
      url: `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/`,
      ignoreTlsErrors: true,
      interval: 3_600_000,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (let i = 0; i < 3; i++) await send(t.app, 'POST', '/api/health/check', { name: 'shop' });
  });
  after(async () => {
    await browser?.close();
    await t.close();
    server.close();
  });

  it('says when the certificate expires (warned under 14 days) and shows P50, P95 and P99', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    const { page, context, errors } = await loggedIn(browser, t, '#/services/shop', { width: 390 });
    const cert = page.locator('#certificate');
    await cert.waitFor();
    const certText = (await cert.textContent()) ?? '';
    assert.match(certText, /^Certificate: Expires in (9\.\d|10\.0) days, on /);
    // The DEGRADED reason says the same number of days, rounded the same way (it read "9 days" vs "10.0").
    const reason = (await page.locator('#service-reason').textContent()) ?? '';
    assert.equal(
      /in ([\d.]+) days/.exec(certText)?.[1],
      /expires in ([\d.]+) days/.exec(reason)?.[1],
      reason,
    );
    assert.equal(await cert.getAttribute('class'), 'warn');
    const day = page.locator('tr[data-window="24h"] td');
    // Uptime, checks, average, P50, P95, P99: every figure measured (three checks and the first one).
    const cells = await day.allTextContents();
    assert.equal(cells.length, 6);
    assert.equal(cells[0], '100 %');
    assert.ok(Number(cells[1]) >= 3, `${cells[1] ?? ''} checks`);
    for (const cell of cells.slice(2)) assert.match(cell, /^\d+(\.\d+)? (ms|s)$/);
    await page.screenshot({ path: `${ARTIFACTS}/service-page-https-phone.png`, fullPage: true });
    // At phone width the views of a service are no wider than the screen (wide tables scroll in their card).
    // Each view waits for an element only it has: the hash changes before the router draws the next view,
    // and the service page's own tables would pass for the report's.
    for (const [hash, ready] of [
      ['#/services/shop', '#certificate'],
      ['#/services/shop/report', '#report-days'],
      ['#/services/shop/edit', '#service-tags'],
    ] as const) {
      await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
      await page.locator(ready).waitFor();
      const width = await page.evaluate<number>('document.scrollingElement.scrollWidth');
      assert.ok(width <= 390, `${hash} is ${String(width)} px wide at 390 px`);
      const view = hash.split('/').slice(3).join('-') || 'page';
      await page.screenshot({ path: `${ARTIFACTS}/service-https-${view}-phone.png`, fullPage: true });
    }
    // The overview's row: a heartbeat bar and a response-time sparkline of the same checks.
    await page.evaluate('window.location.hash = "#/"');
    const row = page.locator('#services [data-service="shop"]');
    await row.locator('svg.sparkline polyline').waitFor();
    assert.match(
      (await row.locator('svg.sparkline').getAttribute('aria-label')) ?? '',
      /^response time, last \d+(\.\d+)? ms, highest \d+(\.\d+)? ms$/,
    );
    assert.ok((await row.locator('.beats .beat').count()) >= 4);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
