import { DeliveryError } from '../notification.js';
import { sendHttp } from '../http-post.js';
import { urlProblem } from '../message-text.js';
import type { Channel, ChannelTarget } from './channel.js';
import { escapingFor, renderNotification, SAMPLE_NOTIFICATION } from './template-body.js';

const METHODS = ['POST', 'PUT', 'PATCH'] as const;
const HEADER_PREFIX = 'header.';

function contentTypeOf(target: ChannelTarget): string {
  return target.settings?.contentType ?? 'application/json';
}

function headersOf(target: ChannelTarget, render: (template: string) => string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.settings ?? {}))
    if (name.startsWith(HEADER_PREFIX))
      headers[name.slice(HEADER_PREFIX.length).toLowerCase()] = render(value);
  return headers;
}

/**
 * Any HTTP API without code: a method, headers and a body template with the safe placeholders of
 * template-body.ts (`{{summary}}`, `{{labels.service}}`…; `{{secret}}` in headers only). With a JSON
 * content type the values are escaped for a JSON string, and the template must render to valid JSON.
 */
export const templateChannel: Channel = {
  secret: { description: 'a credential the headers can use as {{secret}}', required: false },
  settings: {
    body: { description: 'the body template', required: true },
    method: { description: 'the HTTP method (default POST)', allowed: METHODS },
    contentType: { description: 'the Content-Type (default application/json)' },
    'header.*': { description: 'a request header, header.<Name>; {{secret}} and the placeholders allowed' },
  },
  problem(target) {
    const bad = urlProblem(target.destination, 'a template channel needs the URL to call as destination');
    if (bad !== undefined) return bad;
    const template = target.settings?.body ?? '';
    const escaping = escapingFor(contentTypeOf(target));
    if (escaping === 'json') {
      try {
        JSON.parse(renderNotification(template, SAMPLE_NOTIFICATION, escaping));
      } catch (error) {
        return `the body template does not render to JSON: ${(error as Error).message}`;
      }
    }
    for (const value of Object.values(
      headersOf(target, (t) => renderNotification(t, SAMPLE_NOTIFICATION, 'none', 'x')),
    ))
      if (/[\r\n]/.test(value)) return 'a header template must render to one line';
    return undefined;
  },
  send(target, notification, context) {
    const contentType = contentTypeOf(target);
    const escaping = escapingFor(contentType);
    const headers = headersOf(target, (t) =>
      renderNotification(t, notification, 'none', target.secret).replace(/[\r\n]+/g, ' '),
    );
    const method = (target.settings?.method ?? 'POST') as (typeof METHODS)[number];
    if (!METHODS.includes(method))
      return Promise.reject(new DeliveryError(`method ${method} is not one of ${METHODS.join(', ')}`, false));
    return sendHttp(context.guard, target.destination ?? '', {
      method,
      contentType,
      body: renderNotification(target.settings?.body ?? '', notification, escaping),
      headers: { 'idempotency-key': notification.idempotencyKey, ...headers },
    });
  },
};
