import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { send } from '../support/http.js';
import { startTestApp } from '../support/test-app.js';

interface Mail {
  from: string;
  to: string[];
  data: string;
}

/** A real SMTP server (the smtp-server library) in the test process, recording what it accepts. */
async function startSmtp(): Promise<{ port: number; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (auth, _session, callback) => {
      callback(null, { user: auth.username });
    },
    onData: (stream, session, callback) => {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('email notifications', () => {
  it('sends an alert by SMTP (nodemailer) to the rule destination, and EMAIL_TO by default', async () => {
    const smtp = await startSmtp();
    const t = await startTestApp({
      EGRESS_ALLOWLIST: '127.0.0.1',
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_SMTP_PORT: String(smtp.port),
      EMAIL_USERNAME: 'alerts',
      EMAIL_PASSWORD: 'secret',
      EMAIL_FROM: 'alerts@example.com',
      EMAIL_TO: 'oncall@example.com',
    });
    try {
      const explicit = await send(t.app, 'POST', '/api/alerts/rules', {
        name: 'Payments failing',
        metricName: 'payment_failures',
        threshold: 0,
        severity: 'critical',
        annotations: { description: '{{value}} payments failed' },
        notificationChannels: [{ type: 'email', destination: 'payments@example.com' }],
      });
      assert.equal(explicit.status, 201, JSON.stringify(explicit.body));
      const implicit = await send(t.app, 'POST', '/api/alerts/rules', {
        name: 'Queue stuck',
        metricName: 'queue_stuck',
        threshold: 0,
      });
      assert.equal(implicit.status, 201);
      await send(t.app, 'POST', '/api/metrics/custom', { name: 'payment_failures', value: 7 });
      await send(t.app, 'POST', '/api/metrics/custom', { name: 'queue_stuck', value: 1 });
      await t.services.alerting.engine.settled();
      await t.services.alerting.outbox.drain();
      const byRecipient = new Map(smtp.mails.map((m) => [m.to.join(','), m]));
      const payments = byRecipient.get('payments@example.com');
      assert.ok(payments, `mails to ${[...byRecipient.keys()].join(' / ')}`);
      assert.equal(payments.from, 'alerts@example.com');
      assert.match(payments.data, /Subject: \[FIRING\] Payments failing/);
      assert.match(payments.data, /7 payments failed/);
      assert.match(payments.data, /X-Idempotency-Key: /);
      assert.ok(byRecipient.has('oncall@example.com'), 'EMAIL_TO is the default channel');
      const refused = await send(t.app, 'POST', '/api/alerts/rules', {
        name: 'x',
        metricName: 'm',
        threshold: 1,
        notificationChannels: [{ type: 'email', destination: 'not-an-address' }],
      });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.field, 'notificationChannels[0].destination');
    } finally {
      await t.close();
      await smtp.close();
    }
  });
});
