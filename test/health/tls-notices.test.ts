import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { certificate } from '../support/certificate.js';
import { send } from '../support/http.js';
import { startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Received {
  alert: {
    id: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    severity: string;
  };
}

describe('TLS expiry notices through the outbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-notices-'));
  let receiver: TargetServer;
  const received: Received[] = [];
  let tls: Server;
  let port = 0;
  let t: TestApp;

  const serve = async (days: number): Promise<void> => {
    const certDir = mkdtempSync(join(dir, 'cert-'));
    tls.setSecureContext(await certificate(certDir, days));
  };
  const checkAndScan = async (app: TestApp): Promise<void> => {
    const checked = await send(app.app, 'POST', '/api/health/check', { name: 'shop-cert' });
    assert.equal(checked.status, 200);
    const task = app.services.tasks.find((task) => task.name === 'tls-expiry-notices');
    assert.ok(task !== undefined, 'the notice loop runs with the checks');
    await task.flush();
    await app.services.alerting.outbox.drain();
    for (let i = 0; i < 30; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  };

  before(async () => {
    receiver = await startTarget();
    receiver.route('/hook', (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body) as Received);
        response.end('{}');
      });
    });
    tls = createTlsServer(await certificate(mkdtempSync(join(dir, 'cert-')), 10), (socket) => socket.end());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    port = (tls.address() as AddressInfo).port;
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    assert.equal(
      (
        await send(t.app, 'POST', '/api/alerts/channels', {
          name: 'ops',
          type: 'webhook',
          destination: `${receiver.base}/hook`,
        })
      ).status,
      201,
    );
    const created = await send(t.app, 'POST', '/api/health/services', {
      name: 'shop-cert',
      url: `tls://127.0.0.1:${String(port)}`,
      ignoreTlsErrors: true,
      noticeChannels: ['ops'],
      retries: 1,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    await t.close();
    tls.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the tightest crossed threshold once per certificate, not again after a restart', async () => {
    await checkAndScan(t);
    assert.equal(received.length, 1, JSON.stringify(received));
    const [first] = received;
    assert.equal(first?.alert.labels.threshold_days, '14');
    assert.equal(first.alert.labels.service, 'shop-cert');
    assert.match(first.alert.annotations.summary ?? '', /expires in 9 days/);
    await checkAndScan(t);
    assert.equal(received.length, 1, 'no second notice for the same threshold and certificate');

    await t.stop();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' }, t.dataDir);
    await checkAndScan(t);
    assert.equal(received.length, 1, 'no duplicate after a restart');
  });

  it('a certificate inside the next threshold, or a new certificate, gets its own notice', async () => {
    await serve(5);
    await checkAndScan(t);
    assert.equal(received.length, 2, JSON.stringify(received));
    assert.equal(received[1]?.alert.labels.threshold_days, '7');
    assert.equal(received[1].alert.severity, 'critical');
    await checkAndScan(t);
    assert.equal(received.length, 2);
  });
});
