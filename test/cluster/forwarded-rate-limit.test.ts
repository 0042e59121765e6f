import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  FORWARDED_BY_HEADER,
  FORWARDED_SIGNATURE_HEADER,
  signForwardedRequest,
} from '../../src/cluster/forwarded-request-signature.js';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ADMIN_AUTH } from '../support/test-app.js';
import { killReplicas, roleOf, startReplicaSet, type ReplicaProcess } from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);

/**
 * RATE_LIMIT_MAX: small, yet well above what the replicas' start costs their shared per-address count of
 * the loopback (the /ready polls, a follower's own samples: 4 in a quiet run), which must not reach it.
 */
const LIMIT = 30;
const WRITE_PATH = '/api/metrics/custom';

interface Answer {
  status: number;
  contentType: string | null;
  remaining: string | null;
  body: string;
}

/** One JSON ingest write with `token`, plus `headers`, sent to `replica`. */
async function write(
  replica: ReplicaProcess,
  token: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${replica.url}${WRITE_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name: 'frl_writes', value: 1 }),
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    remaining: response.headers.get('x-ratelimit-remaining'),
    body: await response.text(),
  };
}

function assertRateLimited(answer: Answer, what: string): void {
  assert.equal(answer.status, 429, `${what}: ${answer.body}`);
  assert.match(answer.contentType ?? '', /^application\/problem\+json/, what);
  assert.equal((JSON.parse(answer.body) as { code: string }).code, 'rate_limited', what);
}

/**
 * A client's write sent to a follower is counted there, then streamed to the primary (ADR 0020), which
 * used to count it again under the same shared key: the client got half its RATE_LIMIT_MAX. The primary
 * now skips only a forward whose signature (the cluster's replica key) verifies.
 */
describe('the rate limit of writes forwarded by a follower', { skip: SKIP }, () => {
  let database: TestDatabase;
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  let primary: ReplicaProcess;
  let follower: ReplicaProcess;
  let redis: Redis;

  /** An API token of its own (its own rate-limit key), made on the primary with the admin token. */
  async function ingestToken(name: string): Promise<{ token: string; key: string }> {
    const response = await fetch(`${primary.url}/api/auth/tokens`, {
      method: 'POST',
      headers: { ...ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name, scopes: ['ingest'] }),
    });
    const body = (await response.json()) as { token: string; id: string };
    assert.equal(response.status, 201, JSON.stringify(body));
    return { token: body.token, key: `${prefix}ratelimit:requests:token:${body.id}` };
  }

  /** What the shared limiter has counted under `key`. */
  async function counted(key: string): Promise<number> {
    return Number((await redis.get(key)) ?? 0);
  }

  before(async () => {
    database = await createTestDatabase('forwardedratelimit');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_MAX: String(LIMIT),
      // Long enough that no window ends during the test, however loaded the machine.
      RATE_LIMIT_WINDOW: '600000',
    };
    await startReplicaSet(replicas, ['frl0', 'frl1'], () => env);
    let roles: (string | undefined)[] = [];
    await eventually(async () => {
      roles = await Promise.all(replicas.map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'primary'], `roles ${roles.join(',')}`);
    }, 30_000);
    primary = replicas[roles.indexOf('primary')]!;
    follower = replicas[roles.indexOf('follower')]!;
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    redis.disconnect();
    await killReplicas(replicas);
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  it('a client writing through a follower gets exactly RATE_LIMIT_MAX writes, each counted once', async () => {
    const { token, key } = await ingestToken('through-follower');
    for (let i = 1; i <= LIMIT; i++) {
      const answer = await write(follower, token);
      assert.equal(answer.status, 200, `write ${String(i)} of ${String(LIMIT)}: ${answer.body}`);
      // The follower's count, not overwritten by the primary's relayed headers (it sets none now).
      assert.equal(answer.remaining, String(LIMIT - i), `write ${String(i)}: x-ratelimit-remaining`);
      assert.equal(await counted(key), i, `write ${String(i)} counted once`);
    }
    assertRateLimited(await write(follower, token), 'one more through the follower');
    // One key for the client, whichever replica it reaches.
    assertRateLimited(await write(primary, token), 'one more straight to the primary');
    assert.equal(await counted(key), LIMIT + 2);
  });

  it('a forwarded mark or signature a client sends itself does not change counting', async () => {
    const { token, key } = await ingestToken('straight-to-primary');
    const secret = await clusterKey(database.url);
    const now = Date.now();
    const forwardedBy = 'not-a-replica';
    const signed = (url: string, at: number): string =>
      signForwardedRequest(
        secret,
        { method: 'POST', url, authorization: `Bearer ${token}`, forwardedBy },
        at,
      );
    const attempts: [string, Record<string, string>][] = [
      ['the forwarded mark alone', { [FORWARDED_BY_HEADER]: forwardedBy }],
      [
        'a forged signature',
        {
          [FORWARDED_BY_HEADER]: forwardedBy,
          [FORWARDED_SIGNATURE_HEADER]: `t=${String(now)},v1=${'ab'.repeat(32)}`,
        },
      ],
      [
        'a stale signature (the real key, 6 minutes old)',
        {
          [FORWARDED_BY_HEADER]: forwardedBy,
          [FORWARDED_SIGNATURE_HEADER]: signed(WRITE_PATH, now - 6 * 60_000),
        },
      ],
      [
        "another request's signature (the real key, another URL)",
        {
          [FORWARDED_BY_HEADER]: forwardedBy,
          [FORWARDED_SIGNATURE_HEADER]: signed('/api/metrics/business', now),
        },
      ],
      ['a signature without the mark', { [FORWARDED_SIGNATURE_HEADER]: signed(WRITE_PATH, now) }],
    ];
    for (let i = 1; i <= LIMIT; i++) {
      const [what, headers] = attempts[(i - 1) % attempts.length]!;
      const answer = await write(primary, token, headers);
      assert.equal(answer.status, 200, `${what} (${String(i)}): ${answer.body}`);
      assert.equal(await counted(key), i, `${what} (${String(i)}) is counted`);
    }
    assertRateLimited(await write(primary, token, attempts[0]![1]), 'the forwarded mark over the limit');
    assertRateLimited(await write(primary, token, attempts[1]![1]), 'a forged signature over the limit');
    assert.equal(await counted(key), LIMIT + 2);
    await eventually(() => {
      assert.match(
        primary.output(),
        /missing or invalid signature: rate-limited here as a client request/,
        'the primary logs the invalid signatures at warn',
      );
    });
  });

  it('a forwarded request reaching a follower is still not forwarded again (signed or not)', async () => {
    const { token } = await ingestToken('forwarded-to-follower');
    const unsigned = await write(follower, token, { [FORWARDED_BY_HEADER]: 'frl0' });
    assert.equal(unsigned.status, 503, unsigned.body);
    const forwardedBy = 'frl0';
    const signature = signForwardedRequest(
      await clusterKey(database.url),
      { method: 'POST', url: WRITE_PATH, authorization: `Bearer ${token}`, forwardedBy },
      Date.now(),
    );
    const signed = await write(follower, token, {
      [FORWARDED_BY_HEADER]: forwardedBy,
      [FORWARDED_SIGNATURE_HEADER]: signature,
    });
    assert.equal(signed.status, 503, signed.body);
  });
});

/** The cluster's replica key, as every replica reads it from the shared database. */
async function clusterKey(url: string): Promise<Buffer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [
      'cluster.replica_secret',
    ]);
    const value = result.rows[0]?.value;
    assert.ok(value !== undefined, 'the cluster key is in the shared database');
    return Buffer.from(value, 'base64url');
  } finally {
    await client.end();
  }
}
