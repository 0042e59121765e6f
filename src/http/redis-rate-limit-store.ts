import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

/**
 * Counts one request in a fixed window: the first request of a window starts its expiry; a key found
 * without one (its PEXPIRE lost) gets it again rather than living forever. One round trip, atomic.
 */
const INCREMENT = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

type Counting = Redis & {
  rateLimitIncrement: (key: string, windowMs: number) => Promise<[number, number]>;
};

/**
 * @fastify/rate-limit's counters in Redis under names that say what they count:
 * `<REDIS_KEY_PREFIX>ratelimit:<key>`, the limiters' keys starting with their name (`requests:user:…`,
 * `login:10.0.0.1`). The plugin's own Redis store names a limiter made with `rateLimit()` or
 * `createRateLimit()` after a route it does not have (`…ratelimit:undefinedundefined-login:…`).
 */
export function redisRateLimitStore(redis: Redis, keyPrefix: string): FastifyRateLimitStoreCtor {
  if (!('rateLimitIncrement' in redis))
    redis.defineCommand('rateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT });
  const counting = redis as Counting;
  const space = `${keyPrefix}ratelimit:`;

  return class RedisRateLimitStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      counting.rateLimitIncrement(`${space}${key}`, timeWindow).then(
        ([current, ttl]) => {
          callback(null, { current, ttl });
        },
        (error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }

    /** Every limiter shares the name space: their keys carry their names. */
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
