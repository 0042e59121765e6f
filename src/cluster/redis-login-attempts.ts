import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MemoryLoginAttempts, type LoginAttempts, type Reservation } from '../auth/login-attempts.js';

/**
 * Counts and reserves in one server-side step: a name at the limit is refused with its time left; otherwise
 * INCR, and the first attempt of a window sets its expiry. Redis runs a script atomically, so every
 * replica sharing the server sees one counter and parallel guesses cannot overrun it.
 */
const RESERVE_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
if redis.call('INCR', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {1, 0}
`;

/**
 * Login failure counters in Redis (REDIS_URL), shared by every replica. While Redis cannot be reached the
 * replica counts in process (logged once per outage): a limiter must neither let guesses through unbounded
 * nor lock every user out because Redis blinked.
 */
export class RedisLoginAttempts implements LoginAttempts {
  private readonly fallback: MemoryLoginAttempts;
  private degraded = false;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly log: Logger,
  ) {
    this.fallback = new MemoryLoginAttempts(max, windowMs);
  }

  async reserve(key: string): Promise<Reservation> {
    try {
      const [allowed, ttl] = (await this.redis.eval(
        RESERVE_SCRIPT,
        1,
        this.keyOf(key),
        String(this.max),
        String(this.windowMs),
      )) as [number, number];
      this.recovered();
      if (allowed === 1) return { allowed: true };
      return { allowed: false, retryAfterMs: ttl > 0 ? ttl : this.windowMs };
    } catch (error) {
      this.failed(error);
      return this.fallback.reserveNow(key);
    }
  }

  async clear(key: string): Promise<void> {
    await this.fallback.clear(key);
    try {
      await this.redis.del(this.keyOf(key));
    } catch (error) {
      this.failed(error);
    }
  }

  private keyOf(name: string): string {
    return `${this.keyPrefix}login-failures:${name}`;
  }

  private failed(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.log.warn(
      { err: error },
      'login counters: Redis unavailable, counting in this replica until it returns',
    );
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.log.info('login counters: Redis is back');
  }
}
