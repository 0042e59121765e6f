import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { HealthChange } from '../../src/health/health-events.js';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HEARTBEAT_MODULE = fileURLToPath(new URL('../../packages/client/src/heartbeat.ts', import.meta.url));
const asNobody = { authorization: '' };

describe('push (heartbeat) monitors', () => {
  let t: TestApp;
  let base = '';
  const changes: (HealthChange & { receivedAt: number })[] = [];

  before(async () => {
    t = await startTestApp({ HEALTH_PUSH_MAX_PER_MINUTE: '40', EGRESS_ALLOWLIST: '127.0.0.1' });
    t.services.bus.on('health.changed', (change) => changes.push({ ...change, receivedAt: Date.now() }));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
  });
  after(async () => {
    await t.close();
  });

  const create = async (name: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const created = await send(t.app, 'POST', '/api/health/services', { name, url: 'push://', ...extra });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const issued = await send<{ token: string; path: string }>(
      t.app,
      'POST',
      `/api/health/services/${name}/push-token`,
    );
    assert.equal(issued.status, 201);
    assert.match(issued.body.token, /^hb_[A-Za-z0-9_-]{43}$/);
    return issued.body.token;
  };
  const push = (token: string, query = '', method: 'GET' | 'POST' = 'GET') =>
    t.app.inject({ method, url: `/api/push/${token}${query}`, headers: asNobody });
  const stateOf = async (name: string) =>
    (
      await send<{ state: string; reason: { code: string; message: string } | null }>(
        t.app,
        'GET',
        `/api/health/services/${name}`,
      )
    ).body;

  it('a cron-like child process keeps it UP; when it stops, DOWN at interval + grace', async () => {
    const token = await create('nightly', { interval: 1000, pushGrace: 500 });
    // The job: the push client's heartbeat() every 250 ms, eight times, then it stops (as a dead cron would).
    const script = `
      import { heartbeat } from ${JSON.stringify(HEARTBEAT_MODULE)};
      for (let i = 0; i < 8; i++) {
        const ok = await heartbeat({ url: ${JSON.stringify(base)}, token: ${JSON.stringify(token)} }, { pingMs: 40 + i });
        if (!ok) process.exit(3);
        console.log(Date.now());
        await new Promise((r) => setTimeout(r, 250));
      }`;
    const job = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    job.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(job, 'exit')) as [number];
    assert.equal(code, 0, 'every heartbeat was accepted');
    const beats = output.trim().split('\n').map(Number);
    assert.equal(beats.length, 8);
    const lastBeat = beats.at(-1)!;
    assert.equal((await stateOf('nightly')).state, 'up');
    const up = changes.find((c) => c.service === 'nightly' && c.state === 'up');
    assert.ok(up !== undefined && up.receivedAt - beats[0]! < 500, 'UP at the first heartbeat');
    // Wait for DOWN. Only one after the last heartbeat counts: on a loaded host the child's start (tsx) can
    // take longer than interval + grace, and the monitor is then rightly DOWN before the first heartbeat.
    const isDown = (c: (typeof changes)[number]): boolean =>
      c.service === 'nightly' && c.state === 'down' && c.receivedAt > lastBeat;
    for (let i = 0; i < 60 && !changes.some(isDown); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const down = changes.find(isDown);
    assert.ok(down !== undefined, 'DOWN after the job stopped');
    const lateness = down.receivedAt - lastBeat - 1500;
    assert.ok(lateness >= 0 && lateness < 700, `DOWN ${String(lateness)} ms after interval + grace`);
    assert.equal(down.reason?.code, 'push_missing');
    assert.match(down.reason.message, /last heartbeat \d+ s ago \(allowed: 1\.5 s\)/);
  });

  it('status=down is DOWN at once with the job’s message; the next up heartbeat clears it', async () => {
    const token = await create('backup', { interval: 60_000 });
    assert.equal((await push(token)).statusCode, 200);
    assert.equal((await stateOf('backup')).state, 'up');
    const failed = await push(token, '?status=down&msg=disk%20full&ping=1200', 'POST');
    assert.equal(failed.statusCode, 200);
    const state = await stateOf('backup');
    assert.deepEqual(
      [state.state, state.reason?.code, state.reason?.message],
      ['down', 'push_down', 'disk full'],
    );
    await push(token, '?status=up', 'POST');
    assert.equal((await stateOf('backup')).state, 'up');
    // A JSON body works as the query does.
    const body = await t.app.inject({
      method: 'POST',
      url: `/api/push/${token}`,
      headers: asNobody,
      payload: { status: 'up', ping: 5 },
    });
    assert.equal(body.statusCode, 200);
  });

  it('the token is the only credential: unknown or rotated tokens are 404, bad fields 422, too many 429', async () => {
    const token = await create('rotating', { interval: 60_000 });
    assert.equal((await push('hb_nope')).statusCode, 404);
    assert.equal((await push('not-even-a-token')).statusCode, 404);
    const rotated = await send<{ token: string }>(t.app, 'POST', '/api/health/services/rotating/push-token');
    assert.equal((await push(token)).statusCode, 404, 'the previous token stops working');
    assert.equal((await push(rotated.body.token)).statusCode, 200);
    const bad = await push(rotated.body.token, '?status=maybe');
    assert.equal(bad.statusCode, 422);
    assert.match(String(bad.headers['content-type']), /problem\+json/);
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await push(rotated.body.token)).statusCode);
    assert.ok(statuses.includes(429), 'HEALTH_PUSH_MAX_PER_MINUTE holds');
    // Issuing a token needs the write permission; other monitors have none.
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/health/services/rotating/push-token',
      headers: asNobody,
    });
    assert.equal(anonymous.statusCode, 401);
    await send(t.app, 'POST', '/api/health/services', { name: 'web', url: 'http://127.0.0.1:1/' });
    assert.equal((await send(t.app, 'POST', '/api/health/services/web/push-token')).status, 422);
  });

  it('a deleted and re-created monitor does not take the old token; bad definitions are 422', async () => {
    const token = await create('recreated', { interval: 60_000 });
    assert.equal((await send(t.app, 'DELETE', '/api/health/services/recreated')).status, 204);
    await send(t.app, 'POST', '/api/health/services', { name: 'recreated', url: 'push://' });
    assert.equal((await push(token)).statusCode, 404);
    for (const input of [
      { name: 'p1', url: 'push://somewhere' },
      { name: 'p2', url: 'http://127.0.0.1:1/', pushGrace: 1000 },
      { name: 'p3', url: 'push://', keyword: 'x' },
    ]) {
      const refused = await send<{ field?: string }>(t.app, 'POST', '/api/health/services', input);
      assert.equal(refused.status, 422, JSON.stringify(input));
    }
  });

  it('the create answer carries the token once; it is in no later answer; rotation replaces it', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/health/services',
      payload: { name: 'weekly', url: 'push://', interval: 60_000 },
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const { pushToken, pushPath } = created.json<{ pushToken: string; pushPath: string }>();
    assert.match(pushToken, /^hb_[A-Za-z0-9_-]{43}$/);
    assert.equal(pushPath, `/api/push/${pushToken}`);
    assert.equal((await push(pushToken)).statusCode, 200);
    for (const path of [
      '/api/health/services/weekly',
      '/api/health/services',
      '/api/health/services/weekly/report',
    ])
      assert.ok(!(await t.app.inject({ method: 'GET', url: path })).body.includes(pushToken), path);
    const rotated = await send<{ token: string }>(t.app, 'POST', '/api/health/services/weekly/push-token');
    assert.equal((await push(pushToken)).statusCode, 404, 'the created token stops at rotation');
    assert.equal((await push(rotated.body.token)).statusCode, 200);
    // Other monitors get no token.
    const web = await send(t.app, 'POST', '/api/health/services', {
      name: 'plain',
      url: 'http://127.0.0.1:1/',
    });
    assert.equal(web.body.pushToken, undefined);
  });

  it('writes the heartbeat series (age, job duration) next to probe_success', async () => {
    await t.services.health.recorder.flush();
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /probe_push_ping_seconds\{service="backup"\}/);
    assert.match(metrics.body, /probe_push_age_seconds\{service="nightly"\}/);
  });
});
