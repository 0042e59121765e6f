import { isIpLiteral } from '../../security/address-class.js';
import { EgressDeniedError } from '../../security/egress-guard.js';
import { DeliveryError, headline } from '../notification.js';
import type { Channel, ChannelContext, ChannelTarget } from './channel.js';

const ADDRESS = /^[^\s@,;<>]+@[^\s@,;<>]+$/;
const ATTEMPT_TIMEOUT_MS = 15_000;

function recipients(target: ChannelTarget, context: ChannelContext): string[] {
  const raw = target.destination ?? context.smtp?.defaultTo ?? '';
  return raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/**
 * Email through the SMTP server of EMAIL_SMTP_* (nodemailer). The server's name is resolved through the
 * egress guard and the connection made to the address it approved (TLS still checks the certificate
 * against the name). SMTP 5xx answers are final; 4xx and network errors are retried.
 */
export const emailChannel: Channel = {
  problem(target) {
    const bad = (target.destination ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .find((a) => !ADDRESS.test(a));
    return bad === undefined ? undefined : `"${bad}" is not an email address`;
  },
  unconfigured(target, context) {
    if (context.smtp === undefined) return 'EMAIL_SMTP_HOST is not set: email cannot be sent';
    return recipients(target, context).length === 0
      ? 'no destination and no EMAIL_TO: nobody to send to'
      : undefined;
  },
  async send(target, notification, context) {
    const smtp = context.smtp;
    if (smtp === undefined) throw new DeliveryError('EMAIL_SMTP_HOST is not set', false);
    const to = recipients(target, context);
    if (to.length === 0) throw new DeliveryError('no destination and no EMAIL_TO: nobody to send to', false);
    let address: string;
    try {
      address = await context.guard.resolveHost(smtp.host);
    } catch (error) {
      throw new DeliveryError((error as Error).message, !(error instanceof EgressDeniedError));
    }
    // nodemailer is loaded with the first email, not at every start of a service that may send none.
    const { createTransport } = await import('nodemailer');
    const transport = createTransport({
      host: address,
      port: smtp.port,
      secure: smtp.port === 465,
      ...(smtp.username === undefined ? {} : { auth: { user: smtp.username, pass: smtp.password ?? '' } }),
      tls: { servername: isIpLiteral(smtp.host) ? undefined : smtp.host },
      connectionTimeout: ATTEMPT_TIMEOUT_MS,
      socketTimeout: ATTEMPT_TIMEOUT_MS,
    });
    const { alert } = notification;
    const lines = [
      headline(notification),
      '',
      alert.annotations.description ?? '',
      `Severity: ${alert.severity}`,
      `Value: ${alert.value === null ? 'n/a' : String(alert.value)}`,
      ...Object.entries(alert.labels).map(([k, v]) => `${k}: ${v}`),
      `Since: ${alert.startsAt}`,
      `Alert: ${alert.id}`,
    ];
    try {
      await transport.sendMail({
        from: smtp.from,
        to,
        subject: headline(notification),
        text: lines.join('\n'),
        headers: { 'X-Idempotency-Key': notification.idempotencyKey },
        messageId: `<${notification.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@metrics-service>`,
      });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      throw new DeliveryError(`SMTP: ${(error as Error).message}`, code === undefined || code < 500);
    } finally {
      transport.close();
    }
  },
};
