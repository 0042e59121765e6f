import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EgressGuard } from '../security/egress-guard.js';
import type { ServiceRole } from '../roles.js';
import type { Services } from '../services.js';
import { NotPrimaryError } from '../tsdb/not-primary.js';
import {
  FORWARDED_BY_HEADER,
  FORWARDED_SIGNATURE_HEADER,
  signForwardedRequest,
} from './forwarded-request-signature.js';

/**
 * Every route that writes metric data (JSON ingest, remote write, OTLP, Pushgateway; a health service's
 * DELETE deletes its series too): the primary's. A follower deleted the service's row and then had its
 * series deletion refused, answering 503 "nothing was written" about a half-done delete. And the
 * Prometheus rule groups' PUT: the primary evaluates them, so it installs a file put through it at once
 * and answers with what it runs (a follower answered from its own copy, the primary caught up a tick later).
 */
const WRITE_ROUTES: readonly RegExp[] = [
  /^POST \/api\/metrics\/(custom|business|batch)$/,
  /^POST \/api\/v1\/write$/,
  /^POST \/(otlp\/)?v1\/metrics$/,
  /^(PUT|POST|DELETE) \/metrics\/job(@base64)?\//,
  /^DELETE \/api\/health\/services\/:name$/,
  /^PUT \/api\/alerts\/rule-groups$/,
];

// Hop-by-hop headers (RFC 9110 §7.6.1) are not relayed either way.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

export interface ForwardingOptions {
  /** This replica's role now. */
  role: () => ServiceRole;
  /** The primary's host:port, or undefined while there is none (an election). */
  primaryAddress: () => Promise<string | undefined>;
  /** The primary did not answer: ask the database again next time. */
  forgetPrimary: () => void;
  /** This replica's own address (never forward to oneself). */
  selfAddress: string;
  replicaId: string;
  /**
   * The cluster's replica key: the forward is signed with it, so the primary's rate limiter does not count
   * again what this replica counted (src/cluster/forwarded-rate-limit.ts). Without it, nothing is signed.
   */
  secret: Buffer | undefined;
  /** EGRESS_ALLOWLIST: the forward goes through the egress guard like every outbound request. */
  allowlist: readonly string[];
  timeoutMs: number;
  log: FastifyBaseLogger;
}

/**
 * A follower's writes go to the primary, the one writer (ADR 0020): the request is streamed there as it
 * came (after this replica's authentication and rate limit; the primary checks the credential again,
 * but does not count the request again when its forwarding signature verifies) and the primary's answer
 * is relayed as it is: status, headers, body. While there is no primary, or it cannot be reached, the
 * answer is 503 with Retry-After and nothing was written.
 */
export function installIngestForwarding(app: FastifyInstance, options: ForwardingOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    if (options.role() !== 'follower') return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (!WRITE_ROUTES.some((pattern) => pattern.test(route))) return;
    // No loops while the lease moves: a forwarded request is never forwarded again.
    if (request.headers[FORWARDED_BY_HEADER] !== undefined)
      throw new NotPrimaryError('a forwarded write reached a follower (the lease is moving)');
    const address = await options.primaryAddress().catch(() => undefined);
    if (address === undefined || address === options.selfAddress)
      throw new NotPrimaryError('no primary right now (an election is under way)');
    const answer = await forward(request, address, options).catch((error: unknown) => {
      options.forgetPrimary();
      options.log.warn({ err: error, primary: address }, 'forwarding: the primary did not answer');
      return undefined;
    });
    if (answer === undefined) throw new NotPrimaryError(`the primary at ${address} did not answer`);
    relay(answer, reply);
    return reply;
  });
}

function forward(
  request: FastifyRequest,
  address: string,
  options: ForwardingOptions,
): Promise<IncomingMessage> {
  const url = new URL(`http://${address}`);
  // The cluster's own member address is allowed by name here, and only it (no blanket loopback allow).
  const guard = new EgressGuard([...options.allowlist, url.hostname]);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers))
    // A client's own signature header is never relayed; only this replica's, when it has the key.
    if (value !== undefined && !HOP_BY_HOP.has(name) && name !== FORWARDED_SIGNATURE_HEADER)
      headers[name] = value;
  headers[FORWARDED_BY_HEADER] = options.replicaId;
  if (options.secret !== undefined)
    headers[FORWARDED_SIGNATURE_HEADER] = signForwardedRequest(
      options.secret,
      {
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
        forwardedBy: options.replicaId,
      },
      Date.now(),
    );
  headers.host = url.host;
  return new Promise((resolve, reject) => {
    const outbound = httpRequest(
      {
        host: guard.checkHost(url.hostname),
        port: url.port,
        method: request.method,
        path: request.url,
        headers,
        lookup: guard.lookup,
        timeout: options.timeoutMs,
      },
      resolve,
    );
    outbound.on('timeout', () => outbound.destroy(new Error('forward timed out')));
    outbound.on('error', reject);
    request.raw.pipe(outbound);
  });
}

function relay(answer: IncomingMessage, reply: FastifyReply): void {
  void reply.code(answer.statusCode ?? 502);
  for (const [name, value] of Object.entries(answer.headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) void reply.header(name, value);
  void reply.send(answer);
}

/** The forwarding options of a scaled-out replica's services. */
export function forwardingOptions(services: Services, log: FastifyBaseLogger): ForwardingOptions {
  const locator = services.primaryLocator;
  return {
    role: () => services.role,
    primaryAddress: () => locator?.address() ?? Promise.resolve(undefined),
    forgetPrimary: () => locator?.forget(),
    selfAddress: services.cluster.address,
    replicaId: services.cluster.incarnation,
    secret: services.followerSamples?.secret,
    allowlist: services.config.egressAllowlist,
    timeoutMs: 30_000,
    log,
  };
}
