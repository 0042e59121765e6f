import cors from '@fastify/cors';
import rateLimitPlugin from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HelmetOptions } from 'helmet';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { redisRateLimitStore } from './redis-rate-limit-store.js';
import { installSecurityHeaders } from './security-headers.js';

/** The page talks to this service only: its API and its socket. */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  connectSrc: ["'self'", 'ws:', 'wss:'],
  imgSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/** Helmet's options: the page's CSP (no upgrade-insecure-requests over plain HTTP), HSTS only over TLS. */
export function securityHeaderOptions(config: Pick<Config, 'tlsCertFile'>): HelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        ...CONTENT_SECURITY_POLICY,
        // Over plain HTTP on a LAN address this would send the page's own requests to https and break it.
        upgradeInsecureRequests: config.tlsCertFile === undefined ? null : [],
      },
    },
    // The API is called from other origins only through CORS_ORIGINS; this header would block Grafana's
    // JSON datasource reading it even then.
    crossOriginResourcePolicy: { policy: 'same-site' },
    hsts: config.tlsCertFile !== undefined,
  };
}

export type RateLimiter = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
export type LoginLimiter = (
  request: FastifyRequest,
) => Promise<{ allowed: boolean; retryAfterSeconds: number }>;

function principalKey(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal === undefined || principal.kind === 'anonymous') return `ip:${request.ip}`;
  return principal.kind === 'user' ? `user:${principal.userId}` : `token:${principal.tokenId}`;
}

/**
 * Security headers (helmet, with the page's CSP; Swagger UI brings its own), the CORS allow-list
 * (CORS_ORIGINS; none: same origin only), and the rate limiters: RATE_LIMIT_MAX per RATE_LIMIT_WINDOW per
 * token or address, and LOGIN_RATE_LIMIT logins per 15 minutes per address. Counters live in Redis when
 * REDIS_URL is set (replicas share them; keys `<REDIS_KEY_PREFIX>ratelimit:requests:…` and `…:login:…`), in
 * memory otherwise; if Redis fails, requests pass (a limiter must not take the API down) and the error is
 * logged. `sharedRedis`: the replica's own commands client, used instead of opening one more connection
 * (it stays its owner's to close). `countedElsewhere`: requests the request limiter does not count here
 * because another replica counted them already (a write a follower forwarded, src/cluster/forwarded-rate-limit.ts).
 */
export async function installHardening(
  app: FastifyInstance,
  config: Readonly<Config>,
  sharedRedis?: Redis,
  countedElsewhere?: (request: FastifyRequest) => boolean,
): Promise<{ rateLimit: RateLimiter; loginLimit: LoginLimiter }> {
  installSecurityHeaders(app, securityHeaderOptions(config));
  // Without CORS_ORIGINS no CORS header is ever sent: browsers allow the service's own origin only.
  if (config.corsOrigins.length > 0)
    await app.register(cors, {
      origin: [...config.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: [
        'retry-after',
        'x-request-id',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ],
      maxAge: 600,
    });

  const redis = sharedRedis ?? (await ownRedis(app, config));
  await app.register(rateLimitPlugin, {
    global: false,
    ...(redis === undefined ? {} : { store: redisRateLimitStore(redis, config.redisKeyPrefix) }),
    skipOnError: true,
  });

  const windowSeconds = Math.round(config.rateLimitWindowMs / 1000);
  const rateLimit = app.rateLimit({
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    keyGenerator: (request) => `requests:${principalKey(request)}`,
    ...(countedElsewhere === undefined ? {} : { allowList: countedElsewhere }),
    errorResponseBuilder: (_request, context) =>
      new DomainError(
        'rate_limited',
        429,
        `more than ${String(context.max)} requests in ${String(windowSeconds)} s; retry in ${context.after}`,
      ),
  }) as RateLimiter;
  const loginCounter = app.createRateLimit({
    max: config.loginRateLimit,
    timeWindow: 15 * 60_000,
    keyGenerator: (request) => `login:${request.ip}`,
  });
  const loginLimit: LoginLimiter = async (request) => {
    const result = await loginCounter(request);
    if (result.isAllowed || !result.isExceeded) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: result.ttlInSeconds };
  };
  return { rateLimit, loginLimit };
}

/** A client of the limiter's own when none is shared (REDIS_URL set); closed with the app. */
async function ownRedis(app: FastifyInstance, config: Readonly<Config>): Promise<Redis | undefined> {
  if (config.redisUrl === undefined) return undefined;
  // ioredis is loaded only when REDIS_URL asks for it: its import alone costs ~0.15 CPU-s at start.
  const redis = new (await import('ioredis')).Redis(config.redisUrl, {
    connectTimeout: 1000,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  });
  redis.on('error', (error) => {
    app.log.warn({ err: error }, 'rate limiter: Redis unavailable, requests are not counted');
  });
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => undefined);
  });
  return redis;
}
