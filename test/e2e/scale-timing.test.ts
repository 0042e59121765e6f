import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ARTIFACTS, launch, loggedIn } from './browser-session.js';

const SERVICES = 500;
const ALERTS = 100;
const RUNS = 3;

/**
 * Installed before the page's own scripts (CDP, not a <script>: the CSP does not apply), times on the
 * page clock (ms since navigation start): when the 500th service row and the 100th alert are in the DOM;
 * a keystroke in the filter queued the moment the rows appear, and the frame that shows its answer (what a
 * user typing at once waits for, without the test driver's round trips); the end of the last long task.
 */
const OBSERVER = `
  window.__seen = { lastLongTaskEnd: 0 };
  const seen = window.__seen;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) seen.lastLongTaskEnd = Math.max(seen.lastLongTaskEnd, e.startTime + e.duration);
  }).observe({ type: 'longtask', buffered: true });
  // Live collections, cheap to read at each mutation (a selector query there cost ~100 ms a load).
  const rows = document.getElementsByTagName('tr');
  const alerts = document.getElementsByClassName('alert');
  new MutationObserver(() => {
    const t = performance.now();
    if (seen.services === undefined && rows.length > ${String(SERVICES)} && document.querySelector('#services tr[data-index="${String(SERVICES - 1)}"]') !== null) {
      seen.services = t;
      setTimeout(() => {
        const input = document.getElementById('service-filter');
        input.value = 'svc-49';
        input.dispatchEvent(new Event('input'));
        requestAnimationFrame(() => { seen.answered = performance.now(); });
      }, 0);
    }
    if (seen.alerts === undefined && alerts.length >= ${String(ALERTS)}) seen.alerts = t;
  }).observe(document, { subtree: true, childList: true });
`;

interface Run {
  domContentLoaded: number;
  services: number;
  alerts: number;
  interactive: number;
  lastLongTaskEnd: number;
  table: number;
  keystroke: number;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Issue 19: "interactive ≤ 1 s on the local machine with 500 services and 100 alerts", measured and
 * printed (medians of three reloads, with the host's load), never asserted: a shared CI host is too noisy.
 */
describe('the overview with 500 services and 100 firing alerts (timed, not asserted)', () => {
  let t: TestApp;
  let target: TargetServer;
  let browser: Browser | undefined;

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { status: 'ok' }));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1', HEALTH_MAX_SERVICES: '1000' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
    for (let i = 0; i < SERVICES; i++) {
      const answer = await send(t.app, 'POST', '/api/health/services', {
        name: `svc-${String(i).padStart(3, '0')}`,
        url: `${target.base}/ok`,
        interval: 3_600_000,
        group: `team-${String(i % 10)}`,
      });
      assert.equal(answer.status, 201);
    }
    // Real alerts: 100 rules, each on its own metric, each pushed over its threshold.
    for (let i = 0; i < ALERTS; i++) {
      const metricName = `queue_depth_${String(i).padStart(3, '0')}`;
      const rule = await send(t.app, 'POST', '/api/alerts/rules', {
        name: `Queue ${String(i)} backlog`,
        metricName,
        threshold: 100,
        severity: i % 3 === 0 ? 'critical' : 'warning',
      });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      await send(t.app, 'POST', '/api/metrics/custom', { name: metricName, value: 250 + i });
    }
    await t.services.alerting.engine.settled();
    const firing = await send<{ alerts: unknown[] }>(t.app, 'GET', '/api/alerts?state=firing');
    assert.ok(firing.body.alerts.length >= ALERTS, `${String(firing.body.alerts.length)} firing`);
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await target.close();
  });

  it('prints first render, time to interactive, table build and filter keystroke', async (ctx) => {
    browser = await launch(ctx);
    if (browser === undefined) return;
    const session = await loggedIn(browser, t);
    const { page } = session;
    await page.addInitScript(OBSERVER);
    const runs: Run[] = [];
    for (let run = 0; run < RUNS; run++) {
      await page.reload(); // the session is kept: what a returning user sees
      // Polled from here, slowly: a Playwright locator waiting on 500 rows runs its selector engine in the
      // page and cost it ~700 ms of CPU during the load, which would be measured as the page's own time.
      const deadline = Date.now() + 60_000;
      while (
        (await page.evaluate<boolean>(
          'window.__seen.answered === undefined || window.__seen.alerts === undefined',
        )) &&
        Date.now() < deadline
      )
        await sleep(250);
      // The keystroke the observer queued was answered: ten rows, svc-490 … svc-499.
      await page.locator('#service-count', { hasText: /^10 of / }).waitFor();
      const seen = await page.evaluate<{
        services: number;
        alerts: number;
        answered: number;
        lastLongTaskEnd: number;
      }>('window.__seen');
      const domContentLoaded = await page.evaluate<number>(
        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd",
      );
      const table = await page.evaluate<number>(
        "performance.getEntriesByName('services-table').at(-1)?.duration ?? -1",
      );
      // One more keystroke: input event to the next frame, measured in the page.
      const keystroke = await page.evaluate<number>(`(async () => {
        const input = document.getElementById('service-filter');
        const t0 = performance.now();
        input.value = 'svc-4';
        input.dispatchEvent(new Event('input'));
        await new Promise((resolve) => requestAnimationFrame(resolve));
        return performance.now() - t0;
      })()`);
      runs.push({
        domContentLoaded,
        services: seen.services,
        alerts: seen.alerts,
        interactive: seen.answered,
        lastLongTaskEnd: seen.lastLongTaskEnd,
        table,
        keystroke,
      });
    }
    const column = (key: keyof Run): string =>
      `${median(runs.map((r) => r[key])).toFixed(0)} ms [${runs.map((r) => r[key].toFixed(0)).join(', ')}]`;
    console.log(
      [
        `${String(SERVICES)} services + ${String(ALERTS)} firing alerts, median of ${String(RUNS)} reloads [each run], ms since navigation start; load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} on ${String(cpus().length)} CPUs:`,
        `  DOMContentLoaded ${column('domContentLoaded')}`,
        `  first render: 500 service rows ${column('services')}, 100 alerts ${column('alerts')}`,
        `  interactive: a filter keystroke queued at first render answered ${column('interactive')}; last long task ended ${column('lastLongTaskEnd')}`,
        `  services table built in ${column('table')}`,
        `  filter keystroke (input to next frame) ${column('keystroke')}`,
      ].join('\n'),
    );
    await page.screenshot({ path: `${ARTIFACTS}/overview-500-services-100-alerts.png` });
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});
