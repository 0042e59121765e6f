import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROBES } from '../../src/health/probes/probe-registry.js';
import type { ProbeResult } from '../../src/health/probes/probe.js';
import { resolveDefinition } from '../../src/health/resolve-definition.js';
import type { ServiceInput } from '../../src/health/service-schema.js';
import { EgressGuard } from '../../src/security/egress-guard.js';
import { certificate } from '../support/certificate.js';
import { requireBinary } from '../support/binaries.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';

const guard = new EgressGuard(['127.0.0.1']);
const DAY = 86_400_000;

async function probe(input: Omit<ServiceInput, 'name'>, g = guard): Promise<ProbeResult> {
  const definition = resolveDefinition(
    { name: 't', retries: 1, ...input },
    { interval: 30_000, timeout: 5000, retries: 3 },
    g,
  );
  return PROBES[definition.type].run(definition, {
    guard: g,
    signal: AbortSignal.timeout(definition.timeout),
  });
}

describe('health probes against real servers', () => {
  let target: TargetServer;
  const dir = mkdtempSync(join(tmpdir(), 'metrics-probes-'));

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { status: 'ok' }));
    target.route('/r1', (_req, res, base) => res.writeHead(302, { location: `${base}/r2` }).end());
    target.route('/r2', (_req, res) => res.writeHead(301, { location: '/ok' }).end());
    target.route('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    target.route('/to-private', (_req, res) =>
      res.writeHead(302, { location: `http://[::1]:${String(target.port)}/ok` }).end(),
    );
    target.route('/to-metadata', (_req, res) =>
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    target.route('/hang', () => undefined);
    target.route('/echo', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        json(200, { method: req.method, auth: req.headers.authorization, body })(req, res, '');
      });
    });
  });
  after(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows redirects, re-checking every hop with the egress guard', async () => {
    const chain = await probe({ url: `${target.base}/r1` });
    assert.deepEqual([chain.ok, chain.statusCode], [true, 200]);
    const toPrivate = await probe({ url: `${target.base}/to-private` });
    assert.deepEqual([toPrivate.ok, toPrivate.reason?.code], [false, 'egress_denied']);
    assert.match(toPrivate.reason?.message ?? '', /::1.*loopback/);
    const toMetadata = await probe({ url: `${target.base}/to-metadata` });
    assert.deepEqual([toMetadata.ok, toMetadata.reason?.code], [false, 'egress_denied']);
    const loop = await probe({ url: `${target.base}/loop`, maxRedirects: 3 });
    assert.deepEqual([loop.ok, loop.reason?.code], [false, 'too_many_redirects']);
    const notFollowed = await probe({ url: `${target.base}/r1`, maxRedirects: 0, expectedStatus: [302] });
    assert.deepEqual([notFollowed.ok, notFollowed.statusCode], [true, 302]);
  });

  it('sends the method, headers and body, and fails on a timeout with the reason', async () => {
    const echo = await probe({
      url: `${target.base}/echo`,
      method: 'POST',
      headers: { authorization: 'Bearer s3cret' },
      body: 'ping',
      json: { path: '$.auth', value: 'Bearer s3cret' },
    });
    assert.equal(echo.ok, true, JSON.stringify(echo.reason));
    const hang = await probe({ url: `${target.base}/hang`, timeout: 200 });
    assert.deepEqual([hang.ok, hang.reason?.code], [false, 'timeout']);
    // At least the 200 ms timeout; at most, room for a loaded host short of the 5 s default timeout.
    assert.ok(hang.durationMs >= 190 && hang.durationMs < 4000, String(hang.durationMs));
  });

  it('reports DNS and connection errors by kind', async () => {
    const dns = await probe({ url: 'http://nonexistent.invalid/' });
    assert.deepEqual([dns.ok, dns.reason?.code], [false, 'dns_error']);
    const closed = await new Promise<number>((resolve) => {
      const s = createTcpServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => {
          resolve(port);
        });
      });
    });
    const refused = await probe({ url: `http://127.0.0.1:${String(closed)}/` });
    assert.deepEqual([refused.ok, refused.reason?.code], [false, 'connection_refused']);
  });

  it('HTTPS: refuses an untrusted certificate, and watches the expiry of an accepted one', async (t) => {
    if (!requireBinary(t, 'openssl', 'openssl')) return;
    const tls: HttpsServer = createHttpsServer(await certificate(dir, 5), (_req, res) => res.end('secure'));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    t.after(async () => {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    });
    const tlsBase = `https://127.0.0.1:${String((tls.address() as AddressInfo).port)}`;
    const untrusted = await probe({ url: tlsBase });
    assert.deepEqual([untrusted.ok, untrusted.reason?.code], [false, 'tls_error']);
    const expiring = await probe({ url: tlsBase, ignoreTlsErrors: true });
    assert.deepEqual([expiring.ok, expiring.degraded, expiring.reason?.code], [true, true, 'tls_expiring']);
    const daysLeft = ((expiring.tlsExpiresAt ?? 0) - Date.now()) / DAY;
    assert.ok(daysLeft > 4 && daysLeft <= 5.01, String(daysLeft));
    const relaxed = await probe({ url: tlsBase, ignoreTlsErrors: true, tlsExpiryDays: 3 });
    assert.deepEqual([relaxed.ok, relaxed.degraded], [true, undefined]);
  });

  it('TCP: up when a connection opens, refused otherwise, and guarded like HTTP', async () => {
    const server = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    assert.equal((await probe({ url: `tcp://127.0.0.1:${String(port)}` })).ok, true);
    const denied = await probe({ url: `tcp://localhost:${String(port)}` }, new EgressGuard());
    assert.deepEqual([denied.ok, denied.reason?.code], [false, 'egress_denied']);
    await new Promise((resolve) => server.close(resolve));
    const refused = await probe({ url: `tcp://127.0.0.1:${String(port)}` });
    assert.deepEqual([refused.ok, refused.reason?.code], [false, 'connection_refused']);
  });
});
