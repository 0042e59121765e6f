import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PROBES } from '../../src/health/probes/probe-registry.js';
import type { ProbeResult } from '../../src/health/probes/probe.js';
import { resolveDefinition } from '../../src/health/resolve-definition.js';
import { webhookChannel } from '../../src/notify/channels/webhook.js';
import { DeliveryError, type Notification } from '../../src/notify/notification.js';
import { EgressGuard } from '../../src/security/egress-guard.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

/**
 * Issue 15: IPv6 spellings of refused IPv4 addresses got through the HTTP probe, the TCP probe and the
 * webhook. Every form below is sent through the real component with the default guard (no allow-list);
 * the receiver listens on `::` (dual-stack), so a form the kernel routes to 127.0.0.1 would reach it.
 */
const FORMS = (port: number): string[] =>
  [
    '[::127.0.0.1]', // IPv4-compatible, as typed (the URL parser rewrites it to ::7f00:1)
    '[::7f00:1]',
    '[0:0:0:0:0:0:127.0.0.1]',
    '[::10.0.0.1]',
    '[::169.254.169.254]',
    '[::ffff:127.0.0.1]', // mapped
    '[0:0:0:0:0:ffff:7f00:1]',
    '[::ffff:0:127.0.0.1]', // translated (RFC 6145)
    '[64:ff9b::127.0.0.1]', // NAT64
    '[64:ff9b:1::a9fe:a9fe]', // local-use NAT64
    '[2002:7f00:1::1]', // 6to4
    '[2001:0:7f00:1::1]', // Teredo server
    '[2001:0:4136:e378:8000:63bf:80ff:fffe]', // Teredo client 127.0.0.1
    '[2a00:1450::5efe:127.0.0.1]', // ISATAP
  ].map((host) => `${host}:${String(port)}`);

const NOTIFICATION: Notification = {
  idempotencyKey: 'k',
  event: 'firing',
  alert: {
    id: 'a',
    rule: { id: 'r', name: 'r' },
    state: 'firing',
    severity: 'critical',
    labels: {},
    annotations: {},
    value: 1,
    startsAt: '2026-11-30T00:00:00Z',
    endsAt: null,
    acknowledged: false,
  },
  sentFrom: 'test',
};

async function probe(url: string, guard: EgressGuard): Promise<ProbeResult> {
  // Defined through an allowing guard so the probe's own check (not the definition's) is what refuses.
  const definition = resolveDefinition(
    { name: 't', url, retries: 1, timeout: 2000 },
    { interval: 30_000, timeout: 2000, retries: 1 },
    new EgressGuard(['::/0', '0.0.0.0/0']),
  );
  return PROBES[definition.type].run(definition, { guard, signal: AbortSignal.timeout(2000) });
}

describe('egress guard: IPv6 forms carrying a refused IPv4 address, through the real clients', () => {
  const guard = new EgressGuard();
  let receiver: Receiver;
  let tcp: Server;
  let tcpPort = 0;
  let tcpAccepted = 0;

  before(async () => {
    receiver = await startReceiver('::');
    tcp = createServer((socket) => {
      tcpAccepted++;
      socket.end();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '::', resolve));
    tcpPort = (tcp.address() as AddressInfo).port;
  });
  after(async () => {
    await receiver.close();
    await new Promise((resolve) => tcp.close(resolve));
  });

  it('the HTTP probe refuses each form before connecting', async () => {
    for (const host of FORMS(receiver.port)) {
      const result = await probe(`http://${host}/hook`, guard);
      assert.deepEqual([result.ok, result.reason?.code], [false, 'egress_denied'], host);
    }
    assert.equal(receiver.hits(), 0);
  });

  it('the TCP probe refuses each form before connecting', async () => {
    for (const host of FORMS(tcpPort)) {
      const result = await probe(`tcp://${host}`, guard);
      assert.deepEqual([result.ok, result.reason?.code], [false, 'egress_denied'], host);
    }
    assert.equal(tcpAccepted, 0);
  });

  it('the webhook channel refuses each form, finally (no retry)', async () => {
    const context = { guard, slackWebhookUrl: undefined, webhookSecret: undefined, smtp: undefined };
    for (const host of FORMS(receiver.port)) {
      const target = { type: 'webhook' as const, destination: `http://${host}/hook` };
      await assert.rejects(webhookChannel.send(target, NOTIFICATION, context), (error: unknown) => {
        assert.ok(error instanceof DeliveryError, host);
        assert.equal(error.retryable, false, host);
        assert.match(error.message, /egress refused/, host);
        return true;
      });
    }
    assert.equal(receiver.hits(), 0);
  });

  it('the same receiver is reached when the allow-list names loopback (the test can fail)', async () => {
    const allowing = new EgressGuard(['127.0.0.0/8', '::1']);
    const mapped = `[::ffff:127.0.0.1]:${String(receiver.port)}`;
    const context = {
      guard: allowing,
      slackWebhookUrl: undefined,
      webhookSecret: undefined,
      smtp: undefined,
    };
    const target = { type: 'webhook' as const, destination: `http://${mapped}/hook` };
    await webhookChannel.send(target, NOTIFICATION, context);
    assert.equal(receiver.hits(), 1);
    const tcpResult = await probe(`tcp://[::ffff:127.0.0.1]:${String(tcpPort)}`, allowing);
    assert.equal(tcpResult.ok, true, JSON.stringify(tcpResult.reason));
  });
});
