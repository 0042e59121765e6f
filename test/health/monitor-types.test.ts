import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { PROBES } from '../../src/health/probes/probe-registry.js';
import type { ProbeResult } from '../../src/health/probes/probe.js';
import { resolveDefinition } from '../../src/health/resolve-definition.js';
import type { ServiceInput } from '../../src/health/service-schema.js';
import { EgressGuard } from '../../src/security/egress-guard.js';
import { DomainError } from '../../src/domain/errors.js';
import { MARIADB, POSTGRES, REDIS, requireServers, skipUnlessBinaries } from '../support/binaries.js';
import { freePort } from '../support/child-service.js';
import { send } from '../support/http.js';
import { startTestApp } from '../support/test-app.js';

const guard = new EgressGuard(['127.0.0.1']);

async function check(input: Omit<ServiceInput, 'name'>): Promise<ProbeResult> {
  const definition = resolveDefinition(
    { name: 't', retries: 1, timeout: 3000, ...input },
    { interval: 30_000, timeout: 5000, retries: 3 },
    guard,
  );
  return PROBES[definition.type].run(definition, { guard, signal: AbortSignal.timeout(definition.timeout) });
}

const reasonOf = (result: ProbeResult): string =>
  `${result.reason?.code ?? 'ok'}: ${result.reason?.message ?? ''}`;

describe(
  'DNS monitors against dnsmasq',
  { skip: skipUnlessBinaries([{ binary: 'dnsmasq', debianPackage: 'dnsmasq-base' }]) },
  () => {
    let dnsmasq: ChildProcess;
    let resolver = '';
    before(async () => {
      const port = await freePort();
      resolver = `127.0.0.1:${String(port)}`;
      dnsmasq = spawn(
        'dnsmasq',
        [
          '-k',
          '-C',
          '/dev/null',
          `--port=${String(port)}`,
          '--listen-address=127.0.0.1',
          '--bind-interfaces',
          '--no-resolv',
          '--no-hosts',
          '--user=root',
          '--pid-file=',
          '--address=/app.test/10.1.2.3',
          '--host-record=v6.test,fd00::1',
          '--mx-host=mail.test,mx1.mail.test,10',
          '--txt-record=txt.test,v=spf1 -all',
          '--cname=alias.test,app.test',
        ],
        { stdio: 'ignore' },
      );
      // Ready once it answers.
      for (let i = 0; i < 50; i++) {
        if ((await check({ url: `dns://${resolver}/app.test` })).ok) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('dnsmasq did not start');
    });
    after(async () => {
      dnsmasq.kill();
      if (dnsmasq.exitCode === null) await once(dnsmasq, 'exit');
    });

    it('checks A, AAAA, CNAME, MX and TXT records with expected values', async () => {
      const cases: [string, string[]][] = [
        ['app.test?type=A', ['10.1.2.3']],
        ['v6.test?type=AAAA', ['fd00::1']],
        ['alias.test?type=CNAME', ['app.test.']],
        ['mail.test?type=MX', ['10 mx1.mail.test']],
        ['txt.test?type=TXT', ['v=spf1 -all']],
      ];
      for (const [query, expected] of cases) {
        const result = await check({ url: `dns://${resolver}/${query}`, expected });
        assert.equal(result.ok, true, `${query}: ${reasonOf(result)}`);
      }
    });

    it('is DOWN when the record is missing or an expected value is not in the answer', async () => {
      const missing = await check({ url: `dns://${resolver}/nothing.test` });
      assert.equal(missing.reason?.code, 'dns_error');
      const wrong = await check({ url: `dns://${resolver}/app.test`, expected: ['10.9.9.9'] });
      assert.equal(wrong.reason?.code, 'unexpected_result');
      assert.match(wrong.reason.message, /lacks "10\.9\.9\.9"; got 10\.1\.2\.3/);
    });

    it('refuses a resolver the egress guard refuses, and record types it does not check', () => {
      assert.throws(
        () =>
          resolveDefinition(
            { name: 'x', url: 'dns://10.0.0.1/example.com' },
            { interval: 30_000, timeout: 5000, retries: 3 },
            new EgressGuard([]),
          ),
        (error: unknown) => error instanceof DomainError && error.code === 'egress_denied',
      );
      assert.throws(
        () =>
          resolveDefinition(
            { name: 'x', url: 'dns://127.0.0.1/example.com?type=ANY' },
            { interval: 30_000, timeout: 5000, retries: 3 },
            guard,
          ),
        /record type ANY is not checked/,
      );
    });
  },
);

describe('database monitors against the real servers', () => {
  it('PostgreSQL: connects, runs the query read-only, compares the first column', async (t) => {
    if (!(await requireServers(t, POSTGRES))) return;
    const base = 'postgres://postgres@127.0.0.1:5432/postgres';
    assert.equal((await check({ url: base })).ok, true);
    const version = await check({
      url: base,
      query: "SELECT 'fine' UNION ALL SELECT 'also'",
      expected: ['also'],
    });
    assert.equal(version.ok, true, reasonOf(version));
    const mismatch = await check({ url: base, query: 'SELECT 41 + 1', expected: ['43'] });
    assert.equal(mismatch.reason?.code, 'unexpected_result');
    const write = await check({ url: base, query: 'CREATE TABLE monitor_must_not_write (x int)' });
    assert.equal(write.reason?.code, 'query_error');
    assert.match(write.reason.message, /read-only transaction/);
    const escape = await check({ url: base, query: 'SELECT 1; COMMIT; CREATE TABLE monitor_escape (x int)' });
    assert.equal(escape.reason?.code, 'query_error');
    assert.match(escape.reason.message, /multiple commands/);
    const noDatabase = await check({ url: 'postgres://postgres@127.0.0.1:5432/no_such_database_here' });
    assert.equal(noDatabase.reason?.code, 'auth_failed');
    const closed = await check({ url: `postgres://postgres@127.0.0.1:${String(await freePort())}/postgres` });
    assert.equal(closed.reason?.code, 'connection_refused');
  });

  it('Redis: PING by default, read-only commands with expected replies, a refused login', async (t) => {
    if (!(await requireServers(t, REDIS))) return;
    assert.equal((await check({ url: 'redis://127.0.0.1:6379' })).ok, true);
    const dbsize = await check({
      url: 'redis://127.0.0.1:6379/15',
      query: 'EXISTS h_probes:none',
      expected: ['0'],
    });
    assert.equal(dbsize.ok, true, reasonOf(dbsize));
    const wrong = await check({ url: 'redis://127.0.0.1:6379', query: 'PING', expected: ['PANG'] });
    assert.equal(wrong.reason?.code, 'unexpected_result');
    const login = await check({ url: 'redis://nobody:secret@127.0.0.1:6379' });
    assert.equal(login.reason?.code, 'auth_failed', reasonOf(login));
    assert.throws(
      () =>
        resolveDefinition(
          { name: 'x', url: 'redis://127.0.0.1:6379', query: 'FLUSHALL' },
          { interval: 30_000, timeout: 5000, retries: 3 },
          guard,
        ),
      /read-only commands/,
    );
  });

  it('MySQL/MariaDB: connects, runs the query read-only, a refused login', async (t) => {
    if (!(await requireServers(t, MARIADB))) return;
    const base = 'mysql://root@127.0.0.1:3306/mysql';
    const ok = await check({ url: base, query: 'SELECT 2 * 21', expected: ['42'] });
    assert.equal(ok.ok, true, reasonOf(ok));
    const write = await check({ url: base, query: 'CREATE TABLE monitor_must_not_write (x int)' });
    assert.equal(write.reason?.code, 'query_error', reasonOf(write));
    const escape = await check({ url: base, query: 'COMMIT; CREATE TABLE monitor_escape (x int)' });
    assert.equal(escape.reason?.code, 'query_error', reasonOf(escape));
    const login = await check({ url: 'mysql://root:wrong-password@127.0.0.1:3306/mysql' });
    assert.equal(login.reason?.code, 'auth_failed', reasonOf(login));
  });

  it('never shows a database password through the API', async (t) => {
    if (!(await requireServers(t, POSTGRES))) return;
    const harness = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    try {
      const created = await send(harness.app, 'POST', '/api/health/services', {
        name: 'db',
        url: 'postgres://postgres:s3cret-pw@127.0.0.1:5432/postgres',
        interval: 60_000,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const listed = await send(harness.app, 'GET', '/api/health/services');
      assert.doesNotMatch(JSON.stringify(listed.body), /s3cret-pw/);
      assert.match(JSON.stringify(listed.body), /postgres:\*\*\*@127\.0\.0\.1/);
      const http = await send(harness.app, 'POST', '/api/health/services', {
        name: 'web',
        url: 'http://user:pw@127.0.0.1:1/',
      });
      assert.equal(http.status, 422);
    } finally {
      await harness.close();
    }
  });
});
