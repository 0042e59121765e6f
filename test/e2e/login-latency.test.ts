import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, type Session } from './browser-session.js';

const LOGINS = 6;

/**
 * Issue 19, "slow logins don't trip the latency alert", through the browser: logins through the page's
 * form (scrypt, slow on purpose) once put the predefined "High P95 latency" rule into pending. The page of
 * test/alerting/latency-sli.test.ts's API check. As a control, a rule over the same latency histogram that
 * looks only at /api/auth/* goes pending on the same logins and shows on the same list, so the missing
 * row is the exclusion at work, not a list that shows nothing.
 */
describe('slow logins in headless Chromium do not trip the latency alert', () => {
  let t: TestApp;
  let browser: Browser | undefined;
  const sessions: Session[] = [];

  before(async () => {
    // Collected by hand below: a collection between two logins would only make the test slower.
    t = await startTestApp({ APPLICATION_COLLECT_INTERVAL: '60000' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    const control = await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Login latency control',
      metricName: 'metrics_service_http_request_duration_seconds',
      matchers: ['route=~"/api/auth/.*"'],
      aggregation: { fn: 'p95', window: '5m', by: [] },
      condition: '>',
      threshold: 0.001,
      for: '5m',
      severity: 'info',
    });
    assert.equal(control.status, 201, JSON.stringify(control.body));
    // The predefined rule as shipped (its auth exclusion kept), its threshold tuned down to 500 ms so the
    // check does not need a host slow enough for logins to pass 1 s. Removing the exclusion makes this test
    // fail here: P95 975 ms over 500 ms, with logins at 2.3 s (load 15); on a quiet host logins are faster.
    const shipped = await send<{ rule: Record<string, unknown> }>(
      t.app,
      'GET',
      '/api/alerts/rules/high-latency',
    );
    const tuned = await send(t.app, 'PUT', '/api/alerts/rules/high-latency', {
      ...shipped.body.rule,
      threshold: 0.5,
    });
    assert.equal(tuned.status, 200, JSON.stringify(tuned.body));
  });
  after(async () => {
    await browser?.close();
    await t.close();
  });

  it('several logins through the form leave "High P95 latency" out of the alerts', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    for (let i = 0; i < LOGINS; i++) sessions.push(await loggedIn(browser, t));
    const page = sessions[LOGINS - 1]?.page;
    assert.ok(page !== undefined);
    // The pending alert reaches the list through the socket's 'alert' event; one emitted before the socket
    // is up is missed and only the 15 s reload would show it (a loaded CI host lost that race once).
    await page.waitForSelector('#live.on', { timeout: 15_000 });
    await t.services.application.collect();
    await t.services.alerting.engine.evaluateAll();

    // The control is listed (pending): the list shows pending latency alerts, and the logins were measured.
    const control = page.locator('#alerts .alert', { hasText: 'Login latency control' });
    // Past one 15 s reload too, should the event be lost anyway.
    await control.waitFor({ timeout: 30_000 });
    assert.match((await control.textContent()) ?? '', /pending/i);
    assert.equal(await page.locator('#alerts .alert', { hasText: 'High P95 latency' }).count(), 0);
    const active = await send<{ alerts: { ruleName: string; state: string }[] }>(
      t.app,
      'GET',
      '/api/alerts?state=firing,pending',
    );
    assert.deepEqual(
      active.body.alerts.filter((a) => a.ruleName === 'High P95 latency'),
      [],
      'the predefined rule is neither pending nor firing',
    );
    await page.screenshot({ path: `${ARTIFACTS}/login-latency-alerts.png`, fullPage: true });
    for (const session of sessions) assert.deepEqual(session.errors, []);
  });
});
