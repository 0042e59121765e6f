import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EgressDeniedError, type EgressGuard } from '../security/egress-guard.js';
import { VERSION } from '../version.js';
import { DeliveryError } from './notification.js';

const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * POSTs a JSON body through the egress guard (sendHttp).
 */
export function postJson(
  guard: EgressGuard,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return sendHttp(guard, url, { method: 'POST', body: payload, contentType: 'application/json', headers });
}

export interface HttpDelivery {
  method: 'POST' | 'PUT' | 'PATCH';
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

/**
 * Sends one request through the egress guard, with a timeout, never following redirects (a receiver that
 * redirects is misconfigured, and a redirect is a way around the guard). 2xx delivers; 408, 429, 5xx and
 * network errors are retried (honouring Retry-After); other 4xx are final: the receiver refuses this body.
 */
export function sendHttp(guard: EgressGuard, url: string, delivery: HttpDelivery): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new DeliveryError(`"${url}" is not a URL`, false));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(new DeliveryError(`${target.protocol} URLs are not delivered to`, false));
  const payload = delivery.body;
  return new Promise((resolve, reject) => {
    let host: string;
    try {
      host = guard.checkHost(target.hostname);
    } catch (error) {
      reject(new DeliveryError((error as Error).message, false));
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      {
        protocol: target.protocol,
        host,
        port: target.port === '' ? undefined : Number(target.port),
        path: `${target.pathname}${target.search}`,
        method: delivery.method,
        headers: {
          'content-type': delivery.contentType,
          'content-length': Buffer.byteLength(payload),
          'user-agent': `metrics-service/${VERSION}`,
          ...delivery.headers,
        },
        lookup: guard.lookup,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve();
          return;
        }
        const retryable = status === 408 || status === 429 || status >= 500;
        reject(
          new DeliveryError(
            `${url} answered ${String(status)}`,
            retryable,
            retryAfter(res.headers['retry-after']),
          ),
        );
      },
    );
    req.on('error', (error) => {
      const final = error instanceof EgressDeniedError;
      reject(new DeliveryError(final ? error.message : `${url}: ${error.message}`, !final));
    });
    req.end(payload);
  });
}

/** Retry-After in seconds or as an HTTP date, capped at an hour. */
function retryAfter(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}
