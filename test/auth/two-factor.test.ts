import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, userSession } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { base32Encode, totpCode } from '../support/totp-codes.js';

const asNobody = { authorization: '' };
let address = 0;

interface Enrolment {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}
interface Session {
  accessToken: string;
  refreshToken: string;
  enrolmentRequired?: true;
}

/** Login from a fresh address each time, so the per-address limit never gets in the way of these tests. */
const login = (t: TestApp, username: string, password: string, code?: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: asNobody,
    payload: { username, password, ...(code === undefined ? {} : { code }) },
    remoteAddress: `10.77.${String(++address >> 8)}.${String(address & 255)}`,
  });

/** Enrols and confirms TOTP for a logged-in user: the secret, recovery codes and the new session. */
async function enrol(t: TestApp, access: string, password: string) {
  const begun = await t.app.inject({
    method: 'POST',
    url: '/api/auth/2fa/totp',
    headers: bearer(access),
    payload: { password },
  });
  assert.equal(begun.statusCode, 201, begun.body);
  const enrolment = begun.json<Enrolment>();
  const confirmed = await t.app.inject({
    method: 'POST',
    url: '/api/auth/2fa/totp/confirm',
    headers: bearer(access),
    payload: { code: totpCode(enrolment.secret, Date.now()) },
  });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  const body = confirmed.json<{ recoveryCodes: string[]; session: Session }>();
  return { enrolment, recoveryCodes: body.recoveryCodes, session: body.session };
}

describe('TOTP two-factor authentication (issue 20)', () => {
  it('the test generator matches RFC 6238 (appendix B, SHA-1)', () => {
    const secret = base32Encode(Buffer.from('12345678901234567890'));
    assert.equal(totpCode(secret, 59_000, 8), '94287082');
    assert.equal(totpCode(secret, 1_111_111_109_000, 8), '07081804');
    assert.equal(totpCode(secret, 20_000_000_000_000, 8), '65353130');
  });

  describe('as each person chooses', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ LOGIN_RATE_LIMIT: '4', TOTP_ISSUER: 'Acme Monitoring' });
    });
    after(async () => {
      await t.close();
    });

    it('enrols with a QR code, then a login needs a code that works once', async () => {
      const alice = await userSession(t.app, 'alice', 'editor');
      const status = await t.app.inject({
        method: 'GET',
        url: '/api/auth/2fa',
        headers: bearer(alice.access),
      });
      assert.deepEqual(status.json(), {
        enabled: false,
        pending: false,
        confirmedAt: null,
        recoveryCodesLeft: 0,
        required: false,
      });
      const wrongPassword = await t.app.inject({
        method: 'POST',
        url: '/api/auth/2fa/totp',
        headers: bearer(alice.access),
        payload: { password: 'not-her-password-at-all' },
      });
      assert.equal(wrongPassword.statusCode, 401);
      assert.equal(wrongPassword.json<{ field: string }>().field, 'password');

      const { enrolment, recoveryCodes, session } = await enrol(t, alice.access, alice.password);
      assert.match(enrolment.secret, /^[A-Z2-7]{32}$/, '160 bits, base32');
      const uri = new URL(enrolment.otpauthUri);
      assert.equal(uri.protocol, 'otpauth:');
      assert.equal(uri.host, 'totp');
      assert.equal(decodeURIComponent(uri.pathname), '/Acme Monitoring:alice');
      assert.equal(uri.searchParams.get('secret'), enrolment.secret);
      assert.equal(uri.searchParams.get('issuer'), 'Acme Monitoring');
      assert.match(enrolment.qrCodeSvg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\s*$/);
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10);
      for (const code of recoveryCodes) assert.match(code, /^[2-9a-z]{5}-[2-9a-z]{5}$/);

      // Sessions opened with the password alone end when the second factor is turned on.
      const old = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(alice.access) });
      assert.equal(old.statusCode, 401);
      assert.equal(old.json<{ code: string }>().code, 'token_revoked');
      const fresh = await t.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: bearer(session.accessToken),
      });
      assert.equal(fresh.statusCode, 200);
      const on = await t.app.inject({
        method: 'GET',
        url: '/api/auth/2fa',
        headers: bearer(session.accessToken),
      });
      assert.equal(on.json<{ enabled: boolean }>().enabled, true);
      assert.equal(on.json<{ recoveryCodesLeft: number }>().recoveryCodesLeft, 10);

      const noCode = await login(t, 'alice', alice.password);
      assert.equal(noCode.statusCode, 401);
      assert.deepEqual(
        [noCode.json<{ code: string }>().code, noCode.json<{ field: string }>().field],
        ['totp_required', 'code'],
      );
      assert.equal(noCode.headers['content-type'], 'application/problem+json; charset=utf-8');
      const wrongCode = await login(t, 'alice', alice.password, '000000');
      assert.equal(wrongCode.json<{ code: string }>().code, 'invalid_totp');
      // The next step's code (the app's next one): accepted once, a replay is refused.
      const next = totpCode(enrolment.secret, Date.now() + 30_000);
      const ok = await login(t, 'alice', alice.password, next);
      assert.equal(ok.statusCode, 200, ok.body);
      const replay = await login(t, 'alice', alice.password, next);
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json<{ code: string }>().code, 'invalid_totp');

      // A recovery code, typed loosely, works once.
      const typed = ` ${recoveryCodes[0]!.toUpperCase().replace('-', ' ')} `;
      assert.equal((await login(t, 'alice', alice.password, typed)).statusCode, 200);
      assert.equal((await login(t, 'alice', alice.password, recoveryCodes[0])).statusCode, 401);
      // Wrong password with a right code is still a wrong password.
      const bad = await login(t, 'alice', 'wrong-password-xyz', recoveryCodes[1]);
      assert.equal(bad.json<{ code: string }>().code, 'invalid_login');
    });

    it('counts wrong codes like wrong passwords (LOGIN_RATE_LIMIT)', async () => {
      const bob = await userSession(t.app, 'bob', 'viewer');
      const { recoveryCodes } = await enrol(t, bob.access, bob.password);
      for (let i = 0; i < 4; i++)
        assert.equal((await login(t, 'bob', bob.password, '123456')).statusCode, 401);
      const limited = await login(t, 'bob', bob.password, recoveryCodes[0]);
      assert.equal(limited.statusCode, 429, 'the limit holds even with a right code');
    });

    it('renews recovery codes and turns off against a code; refuses tokens and double enrolment', async () => {
      const carol = await userSession(t.app, 'carol', 'viewer');
      const { recoveryCodes, session } = await enrol(t, carol.access, carol.password);
      const auth = bearer(session.accessToken);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/auth/2fa/totp',
        headers: auth,
        payload: { password: carol.password },
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json<{ code: string }>().code, 'totp_enabled');

      const renewed = await t.app.inject({
        method: 'POST',
        url: '/api/auth/2fa/recovery-codes',
        headers: auth,
        payload: { code: recoveryCodes[0] },
      });
      assert.equal(renewed.statusCode, 200, renewed.body);
      const newCodes = renewed.json<{ recoveryCodes: string[] }>().recoveryCodes;
      assert.equal(
        (await login(t, 'carol', carol.password, recoveryCodes[1])).statusCode,
        401,
        'old codes end',
      );

      const wrong = await t.app.inject({
        method: 'POST',
        url: '/api/auth/2fa/totp/disable',
        headers: auth,
        payload: { code: '999999' },
      });
      assert.equal(wrong.statusCode, 422);
      assert.equal(wrong.json<{ field: string }>().field, 'code');
      const off = await t.app.inject({
        method: 'POST',
        url: '/api/auth/2fa/totp/disable',
        headers: auth,
        payload: { code: newCodes[0] },
      });
      assert.equal(off.statusCode, 204, off.body);
      assert.equal((await login(t, 'carol', carol.password)).statusCode, 200, 'password alone again');

      // API tokens have no second factor: the routes say so.
      const asToken = await t.app.inject({ method: 'GET', url: '/api/auth/2fa' });
      assert.equal(asToken.statusCode, 403);
      const noPending = await t.app.inject({
        method: 'POST',
        url: '/api/auth/2fa/totp/confirm',
        headers: auth,
        payload: { code: '123456' },
      });
      assert.equal(noPending.json<{ code: string }>().code, 'totp_not_pending');
    });

    it("an admin resets a lost device: the person's sessions end, the password alone works again", async () => {
      const dave = await userSession(t.app, 'dave', 'viewer');
      const { session } = await enrol(t, dave.access, dave.password);
      const reset = await t.app.inject({ method: 'DELETE', url: '/api/auth/users/dave/2fa' });
      assert.equal(reset.statusCode, 204);
      const cut = await t.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: bearer(session.accessToken),
      });
      assert.equal(cut.statusCode, 401);
      assert.equal((await login(t, 'dave', dave.password)).statusCode, 200);
      const notAdmin = await t.app.inject({
        method: 'DELETE',
        url: '/api/auth/users/alice/2fa',
        headers: bearer(session.accessToken),
      });
      assert.equal(notAdmin.statusCode, 401, 'a revoked session cannot either');
      const deleted = await t.app.inject({ method: 'DELETE', url: '/api/auth/users/dave' });
      assert.equal(deleted.statusCode, 204);
      const unknown = await t.app.inject({ method: 'DELETE', url: '/api/auth/users/dave/2fa' });
      assert.equal(unknown.statusCode, 404);
    });
  });

  describe('enforced per role (TOTP_REQUIRED_ROLES)', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ TOTP_REQUIRED_ROLES: 'admin,editor' });
    });
    after(async () => {
      await t.close();
    });

    it('gives an enrol-only session until the person enrols', async () => {
      const erin = await userSession(t.app, 'erin', 'editor');
      const first = await login(t, 'erin', erin.password);
      assert.equal(first.json<Session>().enrolmentRequired, true);
      const blocked = await t.app.inject({
        method: 'GET',
        url: '/api/metrics/summary',
        headers: bearer(erin.access),
      });
      assert.equal(blocked.statusCode, 403);
      assert.equal(blocked.json<{ code: string }>().code, 'totp_enrolment_required');
      const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(erin.access) });
      assert.deepEqual(me.json<{ permissions: string[] }>().permissions, []);
      assert.equal(me.json<{ enrolmentRequired: boolean }>().enrolmentRequired, true);
      // A refresh does not escape it.
      const refreshed = await t.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        headers: asNobody,
        payload: { refreshToken: first.json<Session>().refreshToken },
      });
      assert.equal(refreshed.json<Session>().enrolmentRequired, true);

      const { session } = await enrol(t, erin.access, erin.password);
      assert.equal(session.enrolmentRequired, undefined);
      const allowed = await t.app.inject({
        method: 'GET',
        url: '/api/metrics/summary',
        headers: bearer(session.accessToken),
      });
      assert.equal(allowed.statusCode, 200);
      const off = await t.app.inject({
        method: 'POST',
        url: '/api/auth/2fa/totp/disable',
        headers: bearer(session.accessToken),
        payload: { code: '123456' },
      });
      assert.equal(off.statusCode, 409);
      assert.equal(off.json<{ code: string }>().code, 'totp_required_by_role');

      // Viewers are not concerned.
      const viewer = await userSession(t.app, 'frank', 'viewer');
      const read = await t.app.inject({
        method: 'GET',
        url: '/api/metrics/summary',
        headers: bearer(viewer.access),
      });
      assert.equal(read.statusCode, 200);
    });

    it('refuses a role that does not exist in the setting', async () => {
      const { loadConfig } = await import('../../src/config/config.js');
      assert.throws(() => loadConfig({ TOTP_REQUIRED_ROLES: 'admin,root' }), /TOTP_REQUIRED_ROLES.*root/s);
    });
  });
});
