import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { type ChildService, startChildService } from '../support/child-service.js';
import { type TestDatabase, createTestDatabase } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { ADMIN_AUTH, TEST_ADMIN_PASSWORD } from '../support/test-app.js';

const SKIP = await skipUnlessServers([POSTGRES]);

const call = async (
  service: ChildService,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = ADMIN_AUTH,
): Promise<{ status: number; json: () => unknown; text: string }> => {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as unknown };
};

const batch = (name: string, values: readonly number[], from: number) => ({
  metrics: values.map((value, i) => ({ name, value, labels: { queue: 'q1' }, timestamp: from + i * 1000 })),
});

/** The values on a 1 s grid over [from, from + (count - 1) s]: exactly the samples batch() sent. */
const points = async (
  service: ChildService,
  name: string,
  from: number,
  count: number,
): Promise<number[]> => {
  const range = `start=${String(from)}&end=${String(from + (count - 1) * 1000)}&step=1s`;
  const r = await call(service, 'GET', `/api/metrics/query?metric=${name}&${range}`);
  assert.equal(r.status, 200, r.text);
  const body = r.json() as { series: { points: [number, number][] }[] };
  return (body.series[0]?.points ?? []).map(([, v]) => v);
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The whole service as one process on PostgreSQL (DATABASE_URL), started as a child like in production. */
describe('the service on PostgreSQL', { skip: SKIP }, () => {
  const databases: TestDatabase[] = [];
  const children: ChildService[] = [];
  const dirs: string[] = [];
  // Closed in after() too: a listening proxy left by a failed test kept the file's process (and the run) alive.
  const proxies: TcpProxy[] = [];
  const proxyTo = async (port: number, listenOn?: number): Promise<TcpProxy> => {
    const proxy = await startTcpProxy(port, listenOn);
    proxies.push(proxy);
    return proxy;
  };
  const start = async (env: Record<string, string>): Promise<ChildService> => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-service-'));
    dirs.push(dir);
    const child = await startChildService({ DATA_DIR: dir, CHECKPOINT_INTERVAL_MS: '1000', ...env });
    children.push(child);
    return child;
  };
  const stop = async (child: ChildService): Promise<void> => {
    child.child.kill('SIGTERM');
    await child.exited;
  };
  after(async () => {
    for (const proxy of proxies) await proxy.close();
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    for (const database of databases) await database.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('ingests, queries, fires an alert and logs in; a restart finds everything again', async () => {
    const database = await createTestDatabase('service');
    databases.push(database);
    const env = { DATABASE_URL: database.url, ALERT_EVALUATION_INTERVAL: '1000' };
    const first = await start(env);
    const rule = await call(first, 'POST', '/api/alerts/rules', {
      name: 'Deep queue',
      metricName: 'pg_queue_depth',
      condition: '>',
      threshold: 100,
    });
    assert.equal(rule.status, 201, rule.text);
    const from = Date.now() - 60_000;
    const values = Array.from({ length: 20 }, (_, i) => 90 + i * 10);
    const ingest = await call(first, 'POST', '/api/metrics/batch', batch('pg_queue_depth', values, from));
    assert.equal(ingest.status, 200, ingest.text);
    assert.deepEqual(await points(first, 'pg_queue_depth', from, 20), values);

    const firing = await until('the alert to fire', async () => {
      const alerts = (await call(first, 'GET', '/api/alerts')).json() as {
        alerts: { id: string; state: string; rule: { name: string } }[];
      };
      return alerts.alerts.find((a) => a.state === 'firing');
    });

    const login = await call(
      first,
      'POST',
      '/api/auth/login',
      { username: 'admin', password: TEST_ADMIN_PASSWORD },
      {},
    );
    assert.equal(login.status, 200, login.text);
    const { accessToken } = login.json() as { accessToken: string };
    const me = await call(first, 'GET', '/api/auth/me', undefined, {
      authorization: `Bearer ${accessToken}`,
    });
    assert.equal(me.status, 200, me.text);

    // Checkpointed chunks and the WAL both live in PostgreSQL now: a restart loses nothing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await stop(first);
    const second = await start(env);
    assert.deepEqual(await points(second, 'pg_queue_depth', from, 20), values);
    const again = await call(second, 'GET', '/api/auth/me', undefined, {
      authorization: `Bearer ${accessToken}`,
    });
    assert.equal(again.status, 200, 'a token signed before the restart verifies: the key is in the database');
    const alerts = (await call(second, 'GET', '/api/alerts')).json() as { alerts: { id: string }[] };
    assert.ok(alerts.alerts.some((a) => a.id === firing.id));
    const rules = (await call(second, 'GET', '/api/alerts/rules')).json() as {
      rules: { rule: { name?: string } }[];
    };
    assert.ok(rules.rules.some((r) => r.rule.name === 'Deep queue'));
    await stop(second);
  });

  it('answers 503 store_unavailable while the database is unreachable, acknowledges nothing, recovers alone', async () => {
    const database = await createTestDatabase('outage');
    databases.push(database);
    const proxy = await proxyTo(5432);
    const url = new URL(database.url);
    url.port = String(proxy.port);
    const service = await start({ DATABASE_URL: url.toString() });
    const from = Date.now() - 60_000;
    assert.equal(
      (await call(service, 'POST', '/api/metrics/batch', batch('pg_outage', [1, 2], from))).status,
      200,
    );

    await proxy.close();
    const refused = await call(
      service,
      'POST',
      '/api/metrics/batch',
      batch('pg_outage', [3, 4], from + 2000),
    );
    assert.equal(refused.status, 503, refused.text);
    assert.equal((refused.json() as { code: string }).code, 'store_unavailable');
    const ready = await call(service, 'GET', '/ready');
    assert.equal(ready.status, 503, ready.text);
    assert.match(ready.text, /store/);
    const health = await call(service, 'POST', '/api/health/services', {
      name: 'x',
      url: 'http://127.0.0.1:1/',
    });
    assert.ok(health.status === 503 || health.status === 422, `no 500 on other writes: ${health.text}`);

    const back = await proxyTo(5432, proxy.port);
    await until('/ready to answer 200 again', async () =>
      (await call(service, 'GET', '/ready')).status === 200 ? true : undefined,
    );
    // The outage ended the primary lease's lock session, so the replica gave the lease up (ADR 0028) and
    // takes it back at its next try: meanwhile a write is refused with 503 and Retry-After, which a sender
    // honours, as this loop does.
    const meanwhile: string[] = [];
    await until('a write to be accepted again', async () => {
      const answer = await call(
        service,
        'POST',
        '/api/metrics/batch',
        batch('pg_outage', [5, 6], from + 4000),
      );
      if (answer.status === 200) return true;
      meanwhile.push(`${String(answer.status)} ${(answer.json() as { code?: string }).code ?? ''}`);
      return undefined;
    });
    assert.deepEqual(
      meanwhile.filter((refusal) => refusal !== '503 store_unavailable'),
      [],
      'refused meanwhile only as unavailable',
    );
    // Samples 3 and 4 (t+2 s, t+3 s) were refused: the grid carries 2 forward there, they never appear.
    assert.deepEqual(await points(service, 'pg_outage', from, 6), [1, 2, 2, 2, 5, 6]);
    assert.equal(service.child.exitCode, null, 'the process survived the outage');
    await stop(service);
    await back.close();
  });
});
