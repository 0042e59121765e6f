import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { MemoryLoginAttempts } from '../../src/auth/login-attempts.js';
import { openRedis, closeRedis } from '../../src/cluster/redis-client.js';
import { RedisLoginAttempts } from '../../src/cluster/redis-login-attempts.js';
import { REDIS, skipUnlessServers } from '../support/binaries.js';
import { TEST_ADMIN_PASSWORD, startTestApp } from '../support/test-app.js';
import { dropRedisPrefix, redisPrefix, startReplicas } from './replicas.js';

const LIMIT = '3';

/** One wrong-password login from its own address (so the per-address limit of the route stays out of it). */
let address = 0;
function wrongLogin(app: FastifyInstance, name = 'admin', password = 'wrong-password-123456') {
  address++;
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { authorization: '' },
    payload: { username: name, password },
    remoteAddress: `10.77.${String(address >> 8)}.${String(address & 255)}`,
  });
}

function tally(codes: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

describe('login failure counters: reserved before the password check (embedded mode)', () => {
  it('8 parallel wrong passwords with LOGIN_RATE_LIMIT=3: exactly 3 checked (401), 5 answered 429', async () => {
    const t = await startTestApp({ LOGIN_RATE_LIMIT: LIMIT });
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, () => wrongLogin(t.app)));
      assert.deepEqual(tally(answers.map((a) => a.statusCode)), { 401: 3, 429: 5 });
      const refused = answers.find((a) => a.statusCode === 429)!;
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(refused.json<{ code: string }>().code, 'rate_limited');
      assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After says when');
      // The right password is refused as well while the name is locked; another name is not affected.
      assert.equal((await wrongLogin(t.app, 'admin', TEST_ADMIN_PASSWORD)).statusCode, 429);
      assert.equal((await wrongLogin(t.app, 'someone-else')).statusCode, 401);
    } finally {
      await t.close();
    }
  });

  it('a success clears the name; the window ends the lock', () => {
    let now = 0;
    const attempts = new MemoryLoginAttempts(2, 1000, () => now);
    assert.deepEqual(attempts.reserveNow('a'), { allowed: true });
    assert.deepEqual(attempts.reserveNow('a'), { allowed: true });
    assert.deepEqual(attempts.reserveNow('a'), { allowed: false, retryAfterMs: 1000 });
    now = 400;
    assert.deepEqual(attempts.reserveNow('a'), { allowed: false, retryAfterMs: 600 });
    now = 1000;
    assert.deepEqual(attempts.reserveNow('a'), { allowed: true });
    void attempts.clear('a');
    assert.deepEqual(attempts.reserveNow('a'), { allowed: true });
    assert.deepEqual(attempts.reserveNow('a'), { allowed: true });
  });
});

describe('login failure counters in Redis: shared by replicas', async () => {
  const skip = await skipUnlessServers([REDIS]);
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await dropRedisPrefix(prefix);
  });

  it(
    '8 parallel wrong passwords spread over two replicas, limit 3: exactly 3 checked, 5 answered 429',
    { skip },
    async () => {
      const replicas = await startReplicas(2, { LOGIN_RATE_LIMIT: LIMIT });
      try {
        const [a, b] = replicas.apps.map((r) => r.app) as [FastifyInstance, FastifyInstance];
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) => wrongLogin(i % 2 === 0 ? a : b)),
        );
        assert.deepEqual(tally(answers.map((r) => r.statusCode)), { 401: 3, 429: 5 });
        // Locked on both replicas, right password included.
        assert.equal((await wrongLogin(a, 'admin', TEST_ADMIN_PASSWORD)).statusCode, 429);
        assert.equal((await wrongLogin(b, 'admin', TEST_ADMIN_PASSWORD)).statusCode, 429);
      } finally {
        await replicas.close();
      }
    },
  );

  it('the counter expires with its window; a success clears it for every replica', { skip }, async () => {
    const prefix = redisPrefix();
    prefixes.push(prefix);
    const log = pino({ level: 'silent' });
    const one = await openRedis('redis://127.0.0.1:6379', 'test-one');
    const two = await openRedis('redis://127.0.0.1:6379', 'test-two');
    try {
      const a = new RedisLoginAttempts(one, prefix, 2, 300, log);
      const b = new RedisLoginAttempts(two, prefix, 2, 300, log);
      assert.deepEqual(await a.reserve('x'), { allowed: true });
      assert.deepEqual(await b.reserve('x'), { allowed: true });
      const refused = await a.reserve('x');
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 300);
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.deepEqual(await b.reserve('x'), { allowed: true });
      await a.clear('x');
      assert.deepEqual(await b.reserve('x'), { allowed: true });
      assert.deepEqual(await b.reserve('x'), { allowed: true });
      assert.equal((await a.reserve('x')).allowed, false);
    } finally {
      await closeRedis(one);
      await closeRedis(two);
    }
  });

  it('while Redis cannot be reached, the replica counts in process instead of letting guesses through', async () => {
    const log = pino({ level: 'silent' });
    const dead = await openRedis('redis://127.0.0.1:1', 'test-dead');
    dead.on('error', () => undefined);
    try {
      const attempts = new RedisLoginAttempts(dead, 'h_cluster_dead:', 2, 60_000, log);
      assert.deepEqual(await attempts.reserve('x'), { allowed: true });
      assert.deepEqual(await attempts.reserve('x'), { allowed: true });
      assert.equal((await attempts.reserve('x')).allowed, false);
    } finally {
      await closeRedis(dead);
    }
  });
});
