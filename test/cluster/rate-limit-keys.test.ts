import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { REDIS, skipUnlessServers } from '../support/binaries.js';
import { startTestApp } from '../support/test-app.js';
import { dropRedisPrefix, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([REDIS]);

async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.keys(`${prefix}*`)).sort();
  } finally {
    redis.disconnect();
  }
}

describe('rate-limit counters in Redis', { skip: SKIP }, () => {
  it('live under <REDIS_KEY_PREFIX>ratelimit:<limiter>:<key>, expire with their window, and still limit', async () => {
    const prefix = redisPrefix();
    const t = await startTestApp({
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW: '60000',
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++)
        codes.push(
          (
            await t.app.inject({
              method: 'GET',
              url: '/api/health',
              headers: { authorization: '' },
              remoteAddress: '10.9.8.7',
            })
          ).statusCode,
        );
      assert.equal(codes[3], 429, `the 4th request of 3 allowed is refused: ${codes.join(', ')}`);
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { authorization: '' },
        payload: { username: 'nobody', password: 'wrong-password-123456' },
        remoteAddress: '10.9.8.6',
      });
      const keys = await keysUnder(`${prefix}ratelimit:`);
      assert.ok(keys.includes(`${prefix}ratelimit:requests:ip:10.9.8.7`), keys.join(', '));
      assert.ok(keys.includes(`${prefix}ratelimit:login:10.9.8.6`), keys.join(', '));
      assert.deepEqual(
        keys.filter((key) => key.includes('undefined')),
        [],
      );
      const redis = new Redis(REDIS_URL);
      try {
        const ttl = await redis.pttl(`${prefix}ratelimit:requests:ip:10.9.8.7`);
        assert.ok(ttl > 0 && ttl <= 60_000, `expires with its window (${String(ttl)} ms)`);
        assert.equal(await redis.get(`${prefix}ratelimit:requests:ip:10.9.8.7`), '4');
      } finally {
        redis.disconnect();
      }
    } finally {
      await t.close();
      await dropRedisPrefix(prefix);
    }
  });
});
