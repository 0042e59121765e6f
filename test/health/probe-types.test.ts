import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { DomainError } from '../../src/domain/errors.js';
import { createPingProbe } from '../../src/health/probes/ping-probe.js';
import { PROBES } from '../../src/health/probes/probe-registry.js';
import type { Probe, ProbeResult } from '../../src/health/probes/probe.js';
import { resolveDefinition } from '../../src/health/resolve-definition.js';
import type { ServiceInput } from '../../src/health/service-schema.js';
import { EgressGuard } from '../../src/security/egress-guard.js';
import { certificate } from '../support/certificate.js';
import { requireBinary } from '../support/binaries.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';

/** Loopback and a blackholed TEST-NET-3 address, allowed explicitly (both are refused by default). */
const guard = new EgressGuard(['127.0.0.1', '203.0.113.0/24']);
const DAY = 86_400_000;
const defaults = { interval: 30_000, timeout: 5000, retries: 3 };

const definitionOf = (input: Omit<ServiceInput, 'name'>) =>
  resolveDefinition({ name: 't', retries: 1, ...input }, defaults, guard);

async function probe(input: Omit<ServiceInput, 'name'>, with_?: Probe): Promise<ProbeResult> {
  const definition = definitionOf(input);
  return (with_ ?? PROBES[definition.type]).run(definition, {
    guard,
    signal: AbortSignal.timeout(definition.timeout),
  });
}

const seriesOf = (result: ProbeResult, name: string): number | undefined =>
  result.series?.find((s) => s.name === name)?.value;
const why = (result: ProbeResult): string =>
  `${result.reason?.code ?? 'ok'}: ${result.reason?.message ?? ''}`;

function invalidField(error: unknown, field: string): boolean {
  return error instanceof DomainError && error.status === 422 && error.field === field;
}

describe('ping monitors', () => {
  it('pings 127.0.0.1 with the system ping: RTT and loss as series', async (t) => {
    if (!requireBinary(t, 'ping', 'iputils-ping')) return;
    const result = await probe({ url: 'ping://127.0.0.1', pingCount: 2 });
    assert.equal(result.ok, true, why(result));
    assert.equal(seriesOf(result, 'probe_ping_tcp_fallback'), 0);
    assert.equal(seriesOf(result, 'probe_icmp_packet_loss_ratio'), 0);
    assert.ok((seriesOf(result, 'probe_icmp_rtt_seconds') ?? -1) >= 0);
  });

  it('is DOWN (timeout or unreachable) for a blackholed address, within the timeout', async (t) => {
    if (!requireBinary(t, 'ping', 'iputils-ping')) return;
    const started = Date.now();
    const result = await probe({ url: 'ping://203.0.113.7', pingCount: 2, timeout: 2000, interval: 10_000 });
    assert.equal(result.ok, false);
    assert.ok(['timeout', 'unreachable'].includes(result.reason?.code ?? ''), why(result));
    assert.match(result.reason?.message ?? '', /100% packet loss|no echo reply|unreachable/);
    // Liveness, not speed: well past the 2 s timeout for a loaded host, still short of the 5 s default
    // timeout a lost setting would fall back to (and of the 10 s between the two pings).
    assert.ok(Date.now() - started < 4500, `took ${String(Date.now() - started)} ms`);
  });

  it('falls back to a TCP connect where ping cannot run (accepted and refused both answer)', async () => {
    const fallback = createPingProbe('/nonexistent/ping');
    const server = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const open = await probe({ url: `ping://127.0.0.1:${String(port)}` }, fallback);
      assert.equal(open.ok, true, why(open));
      assert.equal(seriesOf(open, 'probe_ping_tcp_fallback'), 1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const refused = await probe({ url: `ping://127.0.0.1:${String(port)}` }, fallback);
    assert.equal(refused.ok, true, `a refusal is an answer: ${why(refused)}`);
  });

  it('refuses a denied address before any packet', async () => {
    const result = await PROBES.ping.run(
      resolveDefinition({ name: 'x', url: 'ping://localhost' }, defaults, new EgressGuard([])),
      {
        guard: new EgressGuard([]),
        signal: AbortSignal.timeout(2000),
      },
    );
    assert.equal(result.reason?.code, 'egress_denied');
  });
});

describe('gRPC health monitors against a grpc-js server', () => {
  let server: grpc.Server;
  let port = 0;
  const health = new HealthImplementation({
    '': 'SERVING',
    'shop.Cart': 'SERVING',
    'shop.Billing': 'NOT_SERVING',
  });

  before(async () => {
    server = new grpc.Server();
    health.addToServer(server);
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error === null) resolve(bound);
        else reject(error);
      });
    });
  });
  after(() => {
    server.forceShutdown();
  });

  it('SERVING is UP, NOT_SERVING and an unknown service are DOWN with their reason', async () => {
    const base = `grpc://127.0.0.1:${String(port)}`;
    const whole = await probe({ url: base });
    assert.equal(whole.ok, true, why(whole));
    assert.equal(seriesOf(whole, 'probe_grpc_serving'), 1);
    const cart = await probe({ url: `${base}/shop.Cart` });
    assert.equal(cart.ok, true, why(cart));
    const billing = await probe({ url: `${base}/shop.Billing` });
    assert.deepEqual([billing.ok, billing.reason?.code], [false, 'not_serving']);
    assert.match(billing.reason?.message ?? '', /NOT_SERVING/);
    const unknown = await probe({ url: `${base}/shop.Nothing` });
    assert.deepEqual([unknown.ok, unknown.reason?.code], [false, 'not_serving']);
    assert.equal(seriesOf(unknown, 'probe_grpc_status_code'), 5);
    health.setStatus('shop.Cart', 'NOT_SERVING');
    assert.equal((await probe({ url: `${base}/shop.Cart` })).reason?.code, 'not_serving');
  });

  it('an unreachable server and a server that never answers fail with their reasons', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await probe({ url: `grpc://127.0.0.1:${String(closedPort)}`, timeout: 2000 });
    assert.equal(unreachable.ok, false);
    assert.ok(['connection_error', 'timeout'].includes(unreachable.reason?.code ?? ''), why(unreachable));
    // Accepts TCP but never speaks HTTP/2: the deadline ends the check.
    const held = new Set<Socket>();
    // The probe resets its connections that got no answer (grpc-socket-leak.test.ts counts them); the
    // server side is ended here too, so a regression there cannot hang this suite.
    const silent: Server = createTcpServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const hung = await probe({
        url: `grpc://127.0.0.1:${String((silent.address() as AddressInfo).port)}`,
        timeout: 800,
        interval: 5000,
      });
      assert.deepEqual([hung.ok, hung.reason?.code], [false, 'timeout'], why(hung));
      // Past the 800 ms deadline with room for a loaded host, short of the 5 s default timeout.
      assert.ok(Date.now() - started < 4000, `took ${String(Date.now() - started)} ms`);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('speaks TLS with grpcs:// (self-signed: tls error unless ignoreTlsErrors)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpcs-'));
    const { key, cert } = await certificate(dir, 30);
    const secure = new grpc.Server();
    new HealthImplementation({ '': 'SERVING' }).addToServer(secure);
    const securePort = await new Promise<number>((resolve, reject) => {
      secure.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createSsl(null, [{ private_key: key, cert_chain: cert }]),
        (e, p) => {
          if (e === null) resolve(p);
          else reject(e);
        },
      );
    });
    try {
      const url = `grpcs://127.0.0.1:${String(securePort)}`;
      const trusted = await probe({ url, timeout: 3000 });
      assert.equal(trusted.ok, false, 'a self-signed certificate is not trusted');
      const ignored = await probe({ url, ignoreTlsErrors: true, timeout: 3000 });
      assert.equal(ignored.ok, true, why(ignored));
    } finally {
      secure.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLS certificate monitors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-monitor-'));
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(cert: { key: Buffer; cert: Buffer }): Promise<string> {
    const server = createTlsServer(cert, (socket) => socket.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `tls://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  }

  it('reports days left, DEGRADED within tlsExpiryDays, DOWN on an untrusted chain unless ignored', async () => {
    const url = await serve(await certificate(join(dir), 10));
    const untrusted = await probe({ url });
    assert.deepEqual([untrusted.ok, untrusted.reason?.code], [false, 'tls_error']);
    assert.ok(untrusted.tlsExpiresAt !== undefined, 'the expiry is read even from an untrusted chain');
    const result = await probe({ url, ignoreTlsErrors: true, tlsExpiryDays: 14 });
    assert.deepEqual([result.ok, result.degraded, result.reason?.code], [true, true, 'tls_expiring']);
    const days = seriesOf(result, 'probe_tls_days_left') ?? 0;
    assert.ok(days > 9 && days <= 10, `days left ${String(days)}`);
    assert.match(result.tlsFingerprint ?? '', /^[0-9A-F:]{95}$/);
    assert.ok(Math.abs((result.tlsExpiresAt ?? 0) - (Date.now() + 10 * DAY)) < 2 * DAY);
    const calm = await probe({ url, ignoreTlsErrors: true, tlsExpiryDays: 5 });
    assert.deepEqual([calm.ok, calm.degraded], [true, undefined]);
  });

  it('is DOWN when the certificate has expired, even with ignoreTlsErrors', async () => {
    const expiredDir = mkdtempSync(join(dir, 'expired-'));
    const run = promisify(execFile);
    await run('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(expiredDir, 'key.pem'),
      '-out',
      join(expiredDir, 'req.csr'),
      '-subj',
      '/CN=localhost',
    ]);
    // -days -1: valid until yesterday (OpenSSL 3.0 has no -not_after).
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      join(expiredDir, 'req.csr'),
      '-signkey',
      join(expiredDir, 'key.pem'),
      '-days',
      '-1',
      '-out',
      join(expiredDir, 'cert.pem'),
    ]);
    const url = await serve({
      key: readFileSync(join(expiredDir, 'key.pem')),
      cert: readFileSync(join(expiredDir, 'cert.pem')),
    });
    const result = await probe({ url, ignoreTlsErrors: true });
    assert.deepEqual([result.ok, result.reason?.code], [false, 'tls_expired'], why(result));
    assert.ok((seriesOf(result, 'probe_tls_days_left') ?? 0) < 0);
  });

  it('refuses a tls:// URL without a host and notice settings on other types', () => {
    assert.throws(
      () => definitionOf({ url: 'tls://' }),
      (e) => invalidField(e, 'url'),
    );
    assert.throws(
      () => definitionOf({ url: 'tcp://127.0.0.1:1', tlsNoticeDays: [7] }),
      (e) => invalidField(e, 'tlsNoticeDays'),
    );
    assert.deepEqual(definitionOf({ url: 'tls://127.0.0.1' }).monitor.tlsNoticeDays, [30, 14, 7]);
  });
});

describe('keyword checks on TCP banners', () => {
  let server: Server;
  let port = 0;
  before(async () => {
    // An SMTP-like greeting, an echo of what is sent, and a large banner without the keyword.
    server = createTcpServer((socket) => {
      socket.on('error', () => undefined); // the probe resets connections it is done with
      socket.write('220 mail.test ESMTP ready\r\n');
      socket.on('data', (data: Buffer) => {
        const line = data.toString().trim();
        if (line === 'BIG') socket.write('x'.repeat(200_000));
        else if (line === 'QUIT') socket.end('221 bye\r\n');
        else socket.write(`+${line}\r\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
  });

  it('reads the banner, sends a payload, judges the answer (and the inverse)', async () => {
    const url = `tcp://127.0.0.1:${String(port)}`;
    assert.equal((await probe({ url, keyword: 'ESMTP' })).ok, true);
    const pong = await probe({ url, keyword: '+PING', payload: 'PING\r\n' });
    assert.equal(pong.ok, true, why(pong));
    const closed = await probe({ url, keyword: 'OK', payload: 'QUIT\r\n' });
    assert.deepEqual([closed.ok, closed.reason?.code], [false, 'keyword_missing']);
    assert.match(closed.reason?.message ?? '', /before closing.*221 bye/s);
    assert.equal((await probe({ url, keyword: 'ERROR', invertKeyword: true, payload: 'QUIT\r\n' })).ok, true);
    assert.equal((await probe({ url, keyword: '220', invertKeyword: true })).reason?.code, 'keyword_present');
  });

  it('stops at the read limit and at the timeout', async () => {
    const url = `tcp://127.0.0.1:${String(port)}`;
    const limited = await probe({ url, keyword: 'never', payload: 'BIG\r\n', readLimitBytes: 1000 });
    assert.deepEqual([limited.ok, limited.reason?.code], [false, 'keyword_missing']);
    assert.match(limited.reason?.message ?? '', /first 1000 bytes/);
    const started = Date.now();
    const silent = await probe({ url, keyword: 'never', timeout: 500, interval: 5000 });
    assert.deepEqual([silent.ok, silent.reason?.code], [false, 'timeout']);
    // Past the 500 ms timeout with room for a loaded host, short of the 5 s default timeout.
    assert.ok(Date.now() - started < 4000, `took ${String(Date.now() - started)} ms`);
    assert.throws(
      () => definitionOf({ url, payload: 'x' }),
      (e) => invalidField(e, 'payload'),
    );
    assert.throws(
      () => definitionOf({ url: 'dns://127.0.0.1/a.test', keyword: 'x' }),
      (e) => invalidField(e, 'keyword'),
    );
  });
});

describe('JSON checks with JSONata expressions', () => {
  let target: TargetServer;
  before(async () => {
    target = await startTarget();
    target.route(
      '/status',
      json(200, { status: 'ok', queue: { depth: 3 }, workers: [{ up: true }, { up: true }] }),
    );
    target.route('/big', json(200, { data: 'y'.repeat(300_000) }));
    target.route('/text', (_req, res) => res.end('not json'));
  });
  after(async () => {
    await target.close();
  });

  it('is UP when the expression yields true, DOWN with the value it yielded', async () => {
    const url = `${target.base}/status`;
    const up = await probe({
      url,
      jsonata: 'status = "ok" and queue.depth < 10 and $count(workers[up]) = 2',
    });
    assert.equal(up.ok, true, why(up));
    const down = await probe({ url, jsonata: 'queue.depth' });
    assert.deepEqual([down.ok, down.reason?.code], [false, 'json_condition']);
    assert.match(down.reason?.message ?? '', /yields 3, not true/);
    assert.match(
      (await probe({ url: `${target.base}/text`, jsonata: 'true' })).reason?.message ?? '',
      /not JSON/,
    );
  });

  it('bounds the input size and the evaluation time', async () => {
    const big = await probe({ url: `${target.base}/big`, jsonata: 'true' });
    assert.match(big.reason?.message ?? '', /input limit/);
    const started = Date.now();
    const slow = await probe({ url: `${target.base}/status`, jsonata: '$count([1..10000000]) > 0' });
    assert.equal(slow.ok, false);
    assert.match(slow.reason?.message ?? '', /D1012|D2014|sequence|too long|range/i);
    assert.ok(Date.now() - started < 3000, `took ${String(Date.now() - started)} ms`);
  });

  it('refuses an invalid expression when saved: 422 naming the position', () => {
    assert.throws(
      () => definitionOf({ url: `${target.base}/status`, jsonata: 'status = ' }),
      (error: unknown) =>
        invalidField(error, 'jsonata') && typeof (error as DomainError).extra?.position === 'number',
    );
    assert.throws(
      () => definitionOf({ url: 'tcp://127.0.0.1:1', jsonata: 'true' }),
      (e) => invalidField(e, 'jsonata'),
    );
  });
});
