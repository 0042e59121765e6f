import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { requireBinary } from '../support/binaries.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { totpCode } from '../support/totp-codes.js';
import { until } from './until.js';

const ARTIFACTS = 'test-artifacts';
const PASSWORD = 'correct-horse-battery-9876';

/** Issue 20: TOTP from the page — an enrol-only login, the QR code, recovery codes, then a login with a code. */
describe('two-factor authentication in real headless Chromium', () => {
  let t: TestApp;
  let browser: Browser | undefined;

  before(async () => {
    t = await startTestApp({ TOTP_REQUIRED_ROLES: 'editor' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/auth/users',
      payload: { name: 'erin', password: PASSWORD, role: 'editor' },
    });
    assert.equal(created.statusCode, 201);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await t.close();
  });

  it('enrols from the enrol-only session, then asks for the code at the next login', async (ctx) => {
    if (!requireBinary(ctx, 'chromium', 'chromium')) return;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}/`);

    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-user', 'erin');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login button[type=submit]');
    // The role requires TOTP: the Security dialog opens by itself and the dashboard stays hidden.
    await page.getByText('Your role requires two-factor authentication before anything else.').waitFor();
    assert.equal(await page.isHidden('#dashboard'), true);
    await page.fill('#two-factor-password', PASSWORD);
    await page.click('#two-factor button[type=submit]');
    const qr = page.locator('#two-factor img.qr');
    await qr.waitFor();
    // An image decodes after it is attached (a data: URL too): wait for it; a broken one never has a size.
    await until(
      () =>
        qr.evaluate(
          (img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0,
        ),
      (drawn) => drawn,
      'the QR code image loaded and has a size',
    );
    const secret = (await page.textContent('#two-factor-secret')) ?? '';
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.screenshot({ path: `${ARTIFACTS}/two-factor-enrol.png` });

    await page.fill('#two-factor-code', '000000');
    await page.click('#two-factor button[type=submit]');
    await page.getByText('the code does not match').waitFor();
    await page.fill('#two-factor-code', totpCode(secret, Date.now()));
    await page.click('#two-factor button[type=submit]');
    await page.waitForSelector('#two-factor-recovery-codes li');
    assert.equal(await page.locator('#two-factor-recovery-codes li').count(), 10);
    await page.screenshot({ path: `${ARTIFACTS}/two-factor-recovery-codes.png` });
    await page.click('#two-factor-close');
    await page.waitForSelector('#dashboard:not([hidden])');
    await page.waitForSelector('#tile-cpu');

    // Next login: the password alone asks for the code; the app's next code lets her in.
    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-user', 'erin');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login-code-row:not([hidden])');
    await page.fill('#login-code', totpCode(secret, Date.now() + 30_000));
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#dashboard:not([hidden])');
    assert.equal(await page.textContent('#user'), 'erin (editor)');
    assert.deepEqual(pageErrors, []);
  });
});
