import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { VERSION } from '../../version.js';
import type { ServiceDefinition } from '../service-schema.js';
import { bodyFailure, statusMatches } from './body-checks.js';
import { failureReason } from './failure-reason.js';
import { jsonataFailure } from './jsonata-check.js';
import type { Probe, ProbeContext, ProbeReason, ProbeResult } from './probe.js';

/** Bodies are read for keyword and JSON conditions only, and never past this. */
const MAX_BODY_BYTES = 1024 * 1024;
const DAY_MS = 86_400_000;

interface Hop {
  response: IncomingMessage;
  certificateExpiry: number | undefined;
}

/**
 * HTTP(S) check: a fresh connection each time (as the blackbox exporter does, so connection set-up is part
 * of what is measured), every host of the redirect chain through the egress guard, the final status
 * against the expected list, then the body conditions, response-time and certificate thresholds.
 */
export const httpProbe: Probe = {
  async run(definition, context) {
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    let url = new URL(definition.url);
    let certificateExpiry: number | undefined;
    try {
      for (let redirects = 0; ; redirects++) {
        const hop = await send(url, definition, context, redirects === 0);
        certificateExpiry = earliest(certificateExpiry, hop.certificateExpiry);
        const { response } = hop;
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location !== undefined && definition.maxRedirects > 0) {
          response.resume();
          if (redirects >= definition.maxRedirects) {
            return fail(elapsed(), status, certificateExpiry, {
              code: 'too_many_redirects',
              message: `more than ${String(definition.maxRedirects)} redirects`,
            });
          }
          url = new URL(location, url);
          if (url.protocol !== 'http:' && url.protocol !== 'https:')
            return fail(elapsed(), status, certificateExpiry, {
              code: 'connection_error',
              message: `redirected to a ${url.protocol} URL`,
            });
          continue;
        }
        const needsBody =
          definition.keyword !== undefined ||
          definition.json !== undefined ||
          definition.monitor.jsonata !== undefined;
        const body = needsBody ? await readBody(response) : (response.resume(), await ended(response), '');
        const durationMs = elapsed();
        if (!statusMatches(status, definition.expectedStatus)) {
          return fail(durationMs, status, certificateExpiry, {
            code: 'status_code',
            message: `status ${String(status)}, expected ${definition.expectedStatus.join(', ')}`,
          });
        }
        const bodyReason = needsBody ? bodyFailure(definition, body) : undefined;
        if (bodyReason !== undefined) return fail(durationMs, status, certificateExpiry, bodyReason);
        const jsonataReason =
          definition.monitor.jsonata === undefined
            ? undefined
            : await jsonataFailure(definition.monitor.jsonata, body);
        if (jsonataReason !== undefined) return fail(durationMs, status, certificateExpiry, jsonataReason);
        return succeed(definition, durationMs, status, certificateExpiry);
      }
    } catch (error) {
      const reason = failureReason(error, context.signal.aborted, definition.timeout);
      return fail(elapsed(), undefined, certificateExpiry, reason);
    }
  },
};

function send(url: URL, definition: ServiceDefinition, context: ProbeContext, first: boolean): Promise<Hop> {
  const host = context.guard.checkHost(url.hostname);
  const secure = url.protocol === 'https:';
  // The method and body go to the first URL only; redirects are followed with GET, as browsers do.
  const method = first ? definition.method : 'GET';
  const options: RequestOptions & { rejectUnauthorized?: boolean; servername?: string } = {
    protocol: url.protocol,
    host,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method,
    headers: {
      'user-agent': `metrics-service/${VERSION} (health check)`,
      ...definition.headers,
      ...(first && definition.body !== undefined
        ? { 'content-length': Buffer.byteLength(definition.body) }
        : {}),
    },
    agent: false,
    lookup: context.guard.lookup,
    signal: context.signal,
    ...(secure ? { rejectUnauthorized: !definition.ignoreTlsErrors, servername: sniName(host) } : {}),
  };
  return new Promise<Hop>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(options, (response) => {
      const { socket } = response;
      resolve({
        response,
        certificateExpiry:
          socket instanceof TLSSocket ? chainExpiry(socket.getPeerCertificate(true)) : undefined,
      });
    });
    request.on('error', reject);
    request.end(first ? definition.body : undefined);
  });
}

/** SNI takes a host name only, never an IP literal. */
function sniName(host: string): string | undefined {
  return /^[0-9.]+$/.test(host) || host.includes(':') ? undefined : host;
}

/** The earliest expiry in the presented chain (what blackbox's probe_ssl_earliest_cert_expiry reports). */
export function chainExpiry(
  certificate: PeerCertificate & { issuerCertificate?: PeerCertificate },
): number | undefined {
  let earliestExpiry: number | undefined;
  const seen = new Set<PeerCertificate>();
  for (let current: typeof certificate | undefined = certificate; current?.valid_to !== undefined;) {
    if (seen.has(current)) break;
    seen.add(current);
    earliestExpiry = earliest(earliestExpiry, Date.parse(current.valid_to));
    current = current.issuerCertificate;
  }
  return earliestExpiry;
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined || Number.isNaN(b)) return a;
  return a === undefined ? b : Math.min(a, b);
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    const room = MAX_BODY_BYTES - size;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.length, room);
    if (size >= MAX_BODY_BYTES) {
      response.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function ended(response: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (response.complete) resolve();
    response.once('end', resolve);
    response.once('error', reject);
    response.once('close', resolve);
  });
}

function succeed(
  definition: ServiceDefinition,
  durationMs: number,
  statusCode: number,
  tlsExpiresAt: number | undefined,
): ProbeResult {
  const result: ProbeResult = { ok: true, durationMs, statusCode };
  if (tlsExpiresAt !== undefined) result.tlsExpiresAt = tlsExpiresAt;
  const threshold = definition.degradedThreshold;
  if (tlsExpiresAt !== undefined && definition.tlsExpiryDays > 0) {
    const daysLeft = (tlsExpiresAt - Date.now()) / DAY_MS;
    if (daysLeft < definition.tlsExpiryDays) {
      result.degraded = true;
      result.reason = {
        code: 'tls_expiring',
        message: `the certificate expires in ${daysLeft.toFixed(1)} days (${new Date(tlsExpiresAt).toISOString()})`,
      };
      return result;
    }
  }
  if (threshold !== undefined && durationMs > threshold) {
    result.degraded = true;
    result.reason = {
      code: 'slow_response',
      message: `answered in ${durationMs.toFixed(0)} ms, over the ${String(threshold)} ms threshold`,
    };
  }
  return result;
}

function fail(
  durationMs: number,
  statusCode: number | undefined,
  tlsExpiresAt: number | undefined,
  reason: ProbeReason,
): ProbeResult {
  return {
    ok: false,
    durationMs,
    reason,
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(tlsExpiresAt === undefined ? {} : { tlsExpiresAt }),
  };
}
