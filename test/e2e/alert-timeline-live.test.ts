import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Request } from 'playwright-core';
import { send } from '../support/http.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn, type Session } from './browser-session.js';
import { until } from './until.js';

/** A mark only this page load has: still there means the page was never reloaded. */
const MARK = 'window.__sameLoad';

/**
 * Issue 19: #/alerts/<id> follows the alert live (socket `alert` and `notification` events), with no reload
 * and no polling.
 */
describe('the alert timeline page live in headless Chromium', () => {
  let t: TestApp;
  let receiver: Receiver;
  let browser: Browser | undefined;
  let session: Session;
  let diskId = '';
  let queueId = '';
  /** Requests the page made for the disk alert's timeline since the test listened, and those unanswered. */
  let timelineRequests = 0;
  const timelineInFlight = new Set<Request>();

  const firingId = async (rule: string): Promise<string> => {
    const firing = await send<{ alerts: { id: string; ruleName: string }[] }>(
      t.app,
      'GET',
      '/api/alerts?state=firing',
    );
    return firing.body.alerts.find((a) => a.ruleName === rule)?.id ?? '';
  };

  before(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Disk almost full',
      metricName: 'disk_used_ratio',
      threshold: 0.9,
      severity: 'critical',
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
    });
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Queue backlog',
      metricName: 'queue_backlog',
      threshold: 100,
      severity: 'warning',
    });
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'disk_used_ratio', value: 0.97 });
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'queue_backlog', value: 250 });
    await t.services.alerting.engine.settled();
    await receiver.waitFor(1, 20_000);
    await t.services.alerting.outbox.drain();
    diskId = await firingId('Disk almost full');
    queueId = await firingId('Queue backlog');
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await receiver.close();
  });

  it('shows an acknowledgement made through the API without a reload, keeping the focus', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    assert.notEqual(diskId, '');
    session = await loggedIn(browser, t, `#/alerts/${diskId}`);
    const { page } = session;
    const isTimeline = (url: string): boolean => url.endsWith(`/api/alerts/${diskId}/timeline`);
    page.on('request', (request) => {
      if (!isTimeline(request.url())) return;
      timelineRequests++;
      timelineInFlight.add(request);
    });
    // A set, not a count: the page's first request may have started before the test listened.
    const answered = (request: Request): void => {
      timelineInFlight.delete(request);
    };
    page.on('requestfinished', answered);
    page.on('requestfailed', answered);
    await page.locator('.timeline .event[data-kind="notification"] .status-delivered').waitFor();
    // The value reads in its rule's unit (a ratio), not raw.
    assert.match((await page.textContent('.timeline-page .row')) ?? '', /value 97 %/);
    await page.evaluate(`${MARK} = true`);
    await page.locator('#alert-silence-like').focus();

    const ack = await send(t.app, 'POST', `/api/alerts/${diskId}/acknowledge`, { note: 'on it' });
    assert.equal(ack.status, 200);
    const acknowledged = page.locator('.timeline .event[data-kind="acknowledged"]');
    await acknowledged.waitFor({ timeout: 10_000 });
    assert.match((await acknowledged.textContent()) ?? '', /acknowledged by/);
    assert.equal(await page.locator('#alert-acknowledge').count(), 0, 'nothing left to acknowledge');
    assert.equal(await page.evaluate(MARK), true, 'the page was not reloaded');
    assert.equal(await page.locator('#alert-silence-like:focus').count(), 1, 'the focus stayed put');
    assert.match((await page.textContent('#alert-timeline-update')) ?? '', /Updated: acknowledged/);
  });

  it('ignores events about other alerts: no request for them', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page } = session;
    // The acknowledgement's reload is over (its result was shown): no request of ours is in flight.
    await until(
      () => timelineInFlight.size,
      (inFlight) => inFlight === 0,
      'timeline requests in flight',
    );
    // The socket's frames as the browser received them (CDP): the window in which a request for the other
    // alert's events would show starts when the page has them, not when the API was called.
    const cdp = await session.context.newCDPSession(page);
    const frames: string[] = [];
    cdp.on('Network.webSocketFrameReceived', (event) => frames.push(event.response.payloadData));
    await cdp.send('Network.enable');
    const before = timelineRequests;
    assert.equal((await send(t.app, 'POST', `/api/alerts/${queueId}/acknowledge`, {})).status, 200);
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'queue_backlog', value: 10 });
    await t.services.alerting.engine.settled(); // the queue alert resolves: another event, not ours
    assert.equal(await firingId('Queue backlog'), '');
    const received = await until(
      () => frames.filter((f) => f.startsWith('42["alert"') && f.includes(queueId)),
      (queueEvents) => queueEvents.length >= 2,
      "the queue alert's acknowledgement and resolution on the page's socket",
    );
    assert.match(received.join('\n'), /"transition":"acknowledged"[\s\S]*"transition":"resolved"/);
    // A reload they caused would start within the page's coalescing delay (250 ms) of their arrival.
    await page.waitForTimeout(1000);
    assert.equal(timelineRequests, before, 'events about another alert cost no request');
    await cdp.detach();
  });

  it('shows the resolution and the resolved notification delivered, without a reload', async (ctx) => {
    if (browser === undefined) {
      ctx.skip('no browser');
      return;
    }
    const { page, errors } = session;
    const before = timelineRequests;
    // The first attempt is refused: the reload on the resolution shows it pending, and only a follow-up
    // reload can show the retry's delivery.
    receiver.failNext(1, 503);
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'disk_used_ratio', value: 0.5 });
    await t.services.alerting.engine.settled();
    await page.locator('.timeline .event[data-kind="resolved"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.textContent('.timeline-page .badge'), 'resolved');
    // The retry's delivery is a `notification` socket event for this alert: it reloads the page once.
    const notifications = page.locator('.timeline .event[data-kind="notification"]');
    await notifications.nth(1).locator('.status-delivered').waitFor({ timeout: 15_000 });
    assert.match((await notifications.nth(1).textContent()) ?? '', /Attempts2/);
    assert.equal(await page.evaluate(MARK), true, 'the page was not reloaded');
    assert.equal(receiver.received.length, 2, 'fired and resolved, each once');
    const used = timelineRequests - before;
    console.log(`timeline requests for one resolution with one retried delivery: ${String(used)}`);
    assert.ok(used >= 2 && used <= 4, `${String(used)} requests for one resolution`);
    // No polling: nothing is pending any more and no event comes, so no request either.
    await page.waitForTimeout(3000);
    assert.equal(timelineRequests - before, used, 'no request after the delivery was shown');
    await page.screenshot({ path: `${ARTIFACTS}/alert-timeline-live.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await session.context.close();
  });
});
