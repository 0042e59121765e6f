import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Beat {
  at: number;
  state: string;
  reason?: { code: string; message: string };
}

/**
 * Issues 19 and 20 (ADR 0032): the heartbeat bars and a push monitor's last heartbeat are in the store, so
 * a restarted process shows the same bars and judges a push monitor from the heartbeat it got before.
 */
describe('heartbeats survive a restart (SQLite)', () => {
  let target: Server;
  let healthy = true;
  let t: TestApp | undefined;
  let dataDir = '';
  const env = { EGRESS_ALLOWLIST: '127.0.0.1' };

  before(async () => {
    target = createServer((_request, response) => {
      response.statusCode = healthy ? 200 : 503;
      response.end();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await t?.close();
    target.close();
  });

  it('the bars and the push monitor’s last heartbeat are there after a restart', async () => {
    t = await startTestApp(env);
    dataDir = t.dataDir;
    const url = `http://127.0.0.1:${String((target.address() as AddressInfo).port)}/`;
    assert.equal(
      (await send(t.app, 'POST', '/api/health/services', { name: 'web', url, interval: 60_000 })).status,
      201,
    );
    healthy = false;
    await send(t.app, 'POST', '/api/health/check', { name: 'web' });
    healthy = true;
    await send(t.app, 'POST', '/api/health/check', { name: 'web' });
    const before = await send<{ heartbeats: Beat[] }>(
      t.app,
      'GET',
      '/api/health/services/web/heartbeats?limit=100',
    );
    assert.ok(before.body.heartbeats.length >= 2);
    assert.deepEqual(
      before.body.heartbeats.slice(-2).map((b) => [b.state, b.reason?.code]),
      [
        ['pending', 'status_code'],
        ['up', undefined],
      ],
    );

    await send(t.app, 'POST', '/api/health/services', { name: 'nightly', url: 'push://', interval: 60_000 });
    const issued = await send<{ token: string }>(t.app, 'POST', '/api/health/services/nightly/push-token');
    const pushed = await t.app.inject({
      method: 'GET',
      url: `/api/push/${issued.body.token}?status=down&msg=disk%20full`,
    });
    assert.equal(pushed.statusCode, 200);
    await t.services.health.recorder.flush();
    await t.stop();

    t = await startTestApp(env, dataDir);
    const afterRestart = await send<{ heartbeats: Beat[] }>(
      t.app,
      'GET',
      '/api/health/services/web/heartbeats?limit=100',
    );
    // The restarted process may have checked once more already: the old beats come first, unchanged.
    assert.deepEqual(
      afterRestart.body.heartbeats.slice(0, before.body.heartbeats.length),
      before.body.heartbeats,
    );
    const listed = await send<{ services: { name: string; heartbeats: Beat[] }[] }>(
      t.app,
      'GET',
      '/api/health/services?heartbeats=100',
    );
    const row = listed.body.services.find((s) => s.name === 'web')!;
    assert.deepEqual(row.heartbeats.slice(0, before.body.heartbeats.length), before.body.heartbeats);

    // The job's "down" from before the restart still counts (in memory, the new process knew none).
    const checked = await send<{ services: { state: string; reason: { code: string; message: string } }[] }>(
      t.app,
      'POST',
      '/api/health/check',
      { name: 'nightly' },
    );
    assert.deepEqual(
      [checked.body.services[0]!.reason.code, checked.body.services[0]!.reason.message],
      ['push_down', 'disk full'],
    );
  });
});
