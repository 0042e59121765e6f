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
