import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requireBinary } from '../support/binaries.js';
import { TEST_ADMIN_PASSWORD, type TestApp } from '../support/test-app.js';

export const ARTIFACTS = 'test-artifacts';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The page's origin on the test app's real listening port. */
export const originOf = (t: TestApp): string =>
  `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;

/** Debian's chromium, or undefined (the test is skipped outside CI, failed in CI: see binaries.ts). */
export async function launch(ctx: TestContext): Promise<Browser | undefined> {
  if (!requireBinary(ctx, 'chromium', 'chromium')) return undefined;
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far (a test asserts it stays empty). */
  errors: string[];
}

/** A fresh context logged in as the test admin through the page's own form, at `hash` (e.g. #/explore). */
export async function loggedIn(
  browser: Browser,
  t: TestApp,
  hash = '',
  options: { colorScheme?: 'light' | 'dark'; width?: number } = {},
): Promise<Session> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'dark',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${originOf(t)}/${hash}`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-user', 'admin');
  await page.fill('#login-password', TEST_ADMIN_PASSWORD);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
  return { context, page, errors };
}

/**
 * Something on every view: a watched service (up), a firing alert, a status page, a metric to explore.
 * Answers the firing alert's id (for #/alerts/<id>).
 */
export async function seedViews(t: TestApp, serviceUrl: string): Promise<string> {
  const call = async (method: 'POST', url: string, payload: unknown): Promise<void> => {
    const r = await t.app.inject({ method, url, payload: payload as Record<string, unknown> });
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.body}`);
  };
  await call('POST', '/api/health/services', { name: 'api', url: serviceUrl });
  await call('POST', '/api/alerts/rules', {
    name: 'Queue backlog',
    metricName: 'queue_backlog',
    threshold: 100,
    severity: 'warning',
  });
  await call('POST', '/api/metrics/custom', { name: 'queue_backlog', value: 250, labels: { queue: 'mail' } });
  await call('POST', '/api/status-pages', {
    slug: 'acme',
    title: 'Acme status',
    services: [{ name: 'api', publicName: 'Public API' }],
  });
  await t.services.alerting.engine.settled();
  const alerts = await t.app.inject({ method: 'GET', url: '/api/alerts?state=firing' });
  return alerts.json<{ alerts: { id: string }[] }>().alerts[0]?.id ?? '';
}
