import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  decodeReplicaSamples,
  REPLICA_SAMPLES_TYPE,
  type ReplicaSamples,
} from '../../src/cluster/forwarded-wire.js';
import { replicaSamplesRoute } from '../../src/cluster/replica-samples-route.js';
import { replicaSender } from '../../src/cluster/replica-sender.js';
import { sign, SIGNATURE_HEADER, verify } from '../../src/cluster/replica-signature.js';
import { SampleForwarder } from '../../src/cluster/sample-forwarder.js';
import { installErrorHandling } from '../../src/http/error-handler.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from './replicas.js';

const log = pino({ level: 'silent' });
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');

/** A real HTTP server standing in for the primary: records signed bodies, answers the scripted statuses. */
class Primary {
  readonly received: ReplicaSamples[] = [];
  statuses: number[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void body(request).then((raw) => {
        const header = request.headers[SIGNATURE_HEADER];
        assert.ok(verify(SECRET, raw, typeof header === 'string' ? header : undefined, Date.now()), 'signed');
        const decoded = decodeReplicaSamples(raw);
        assert.ok('sender' in decoded, JSON.stringify(decoded));
        this.received.push(decoded);
        response.statusCode = this.statuses.shift() ?? 200;
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${String((this.server.address() as AddressInfo).port)}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.server === undefined) resolve();
      else
        this.server.close(() => {
          resolve();
        });
    });
  }
}

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
  });
}

function forwarder(address: () => string | undefined, overrides: Partial<{ maxQueuedSamples: number }> = {}) {
  const registry = new Registry();
  const f = new SampleForwarder({
    send: replicaSender({
      primaryAddress: () => Promise.resolve(address()),
      forgetPrimary: () => undefined,
      selfAddress: '127.0.0.1:1',
      sender: 'r1/abcdefgh',
      secret: SECRET,
      allowlist: [],
      timeoutMs: 2000,
    }),
    maxQueuedSamples: overrides.maxQueuedSamples ?? 1000,
    maxBatchSamples: 3,
    lingerMs: 20,
    maxAgeMs: 60_000,
    minBackoffMs: 10,
    maxBackoffMs: 50,
    registry,
    log,
  });
  const metric = async (name: string, reason?: string): Promise<number> => {
    const values = (await registry.getSingleMetric(name)!.get()).values;
    return values.find((v) => reason === undefined || v.labels.reason === reason)?.value ?? 0;
  };
  return { f, metric };
}

const gauge = (name: string, value: number, timestamp?: number) => ({
  name,
  type: 'gauge' as const,
  value,
  labels: { instance: 'r1' },
  ...(timestamp === undefined ? {} : { timestamp }),
});

describe('sample forwarder', () => {
  const primary = new Primary();
  let address: string;
  before(async () => {
    address = await primary.start();
  });
  after(() => primary.close());

  it('sends in order, in batches of the configured size, each sample stamped with its time of collection', async () => {
    primary.received.length = 0;
    const { f, metric } = forwarder(() => address);
    f.start();
    const before = Date.now();
    f.enqueue([gauge('a', 1), gauge('b', Number.NaN), gauge('c', Number.POSITIVE_INFINITY)], 'system');
    f.enqueue([gauge('d', 4, 1234)], 'health');
    await eventually(() => {
      assert.equal(primary.received.length, 2, 'two requests');
    });
    const [first, second] = primary.received;
    assert.deepEqual([first!.seq, second!.seq], [1, 2], 'one sequence number per request, increasing');
    const values = first!.batches[0]!.samples.map((s) => s.value);
    assert.equal(values[0], 1);
    assert.ok(Number.isNaN(values[1]), 'NaN survives the JSON body');
    assert.equal(values[2], Number.POSITIVE_INFINITY);
    assert.ok((first!.batches[0]!.samples[0]!.timestamp as number) >= before, 'stamped when queued');
    assert.deepEqual(second!.batches, [{ category: 'health', samples: [{ ...gauge('d', 4, 1234) }] }]);
    // Counted when the sender reads the answer, which may be after the stand-in primary recorded the body.
    await eventually(async () => {
      assert.equal(await metric('metrics_service_forwarded_samples_total'), 4);
    });
    await f.stop();
  });

  it('retries a failed request unchanged (same seq) before anything newer, then goes on', async () => {
    primary.received.length = 0;
    primary.statuses = [503, 502];
    const { f, metric } = forwarder(() => address);
    f.start();
    f.enqueue([gauge('a', 1)], 'system');
    await eventually(() => {
      assert.equal(primary.received.length, 3, 'two failures and a success');
    });
    f.enqueue([gauge('b', 2)], 'system');
    await eventually(() => {
      assert.equal(primary.received.length, 4, 'the next request');
    });
    assert.deepEqual(
      primary.received.map((r) => r.seq),
      [1, 1, 1, 2],
    );
    assert.deepEqual(primary.received[0], primary.received[2], 'the retry is the same request');
    await eventually(async () => {
      assert.equal(await metric('metrics_service_forwarded_samples_total'), 2);
    });
    await f.stop();
  });

  it('drops the oldest beyond the bound while no primary answers, counts them, and sends the rest later', async () => {
    primary.received.length = 0;
    const lease: { holder: string | undefined } = { holder: undefined };
    const { f, metric } = forwarder(() => lease.holder, { maxQueuedSamples: 4 });
    f.start();
    for (let i = 0; i < 6; i++) f.enqueue([gauge('g', i, 1000 + i)], 'system');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(primary.received.length, 0, 'nothing sent without a primary');
    // The first request (3 samples) is held for retry; the queue behind it is bounded.
    lease.holder = address;
    await eventually(async () => {
      const sent = primary.received.flatMap((r) => r.batches.flatMap((b) => b.samples.map((s) => s.value)));
      const dropped = await metric('metrics_service_forwarded_samples_dropped_total', 'queue_full');
      assert.equal(sent.length + dropped, 6, `sent ${sent.join(',')} dropped ${String(dropped)}`);
      assert.deepEqual(sent, [...sent].sort(), 'in order');
      assert.equal(sent.at(-1), 5, 'the newest kept');
    });
    await f.stop();
  });

  it('drops a request the primary refuses as malformed (4xx), counted, and goes on', async () => {
    primary.received.length = 0;
    primary.statuses = [400];
    const { f, metric } = forwarder(() => address);
    f.start();
    f.enqueue([gauge('a', 1)], 'system');
    await eventually(async () => {
      assert.equal(await metric('metrics_service_forwarded_samples_dropped_total', 'refused'), 1);
    });
    f.enqueue([gauge('b', 2)], 'system');
    await eventually(() => {
      assert.equal(primary.received.length, 2, 'the next one sent');
    });
    await f.stop();
  });

  it('hands over what is not acknowledged when stopped (promotion)', async () => {
    const { f } = forwarder(() => undefined);
    f.start();
    f.enqueue([gauge('a', 1), gauge('b', 2)], 'system');
    f.enqueue([gauge('c', 3)], 'health');
    await new Promise((resolve) => setTimeout(resolve, 60));
    await f.stop();
    const taken = f.takeQueued();
    assert.deepEqual(
      taken.map((b) => [b.category, b.samples.map((s) => s.name)]),
      [
        ['system', ['a', 'b']],
        ['health', ['c']],
      ],
    );
    assert.deepEqual(f.takeQueued(), [], 'emptied');
  });
});

describe('the primary route for replica samples', () => {
  let t: TestApp;
  let app: FastifyInstance;
  const post = (payload: Buffer, signature?: string) =>
    app.inject({
      method: 'POST',
      url: '/internal/replica-samples',
      headers: {
        'content-type': REPLICA_SAMPLES_TYPE,
        ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }),
      },
      payload,
    });
  const encode = (seq: number, value: number, timestamp: number) =>
    Buffer.from(
      JSON.stringify({
        sender: 'r1/abcdefgh',
        seq,
        batches: [
          {
            category: 'application',
            samples: [
              { name: 'fwd_requests_total', type: 'counter', value, labels: { instance: 'r1' }, timestamp },
            ],
          },
        ],
      }),
    );

  before(async () => {
    // The real ingest path of an embedded service (SQLite file), behind the route.
    t = await startTestApp();
    app = Fastify();
    installErrorHandling(app, { maxBytes: 1 << 20, timeoutMs: 1000 });
    await app.register(
      replicaSamplesRoute({ ingest: t.services.ingest, secret: SECRET, maxBodyBytes: 1 << 20 }),
    );
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  it('refuses unsigned, wrongly signed, stale and malformed requests with a problem, never a 500', async () => {
    const now = Date.now();
    const payload = encode(1, 1, now);
    assert.equal((await post(payload)).statusCode, 401);
    assert.equal((await post(payload, sign(Buffer.from('another key'), payload, now))).statusCode, 401);
    assert.equal((await post(payload, sign(SECRET, payload, now - 3_600_000))).statusCode, 401);
    const junk = Buffer.from('{"sender":"x","seq":0,"batches":[]}');
    const refused = await post(junk, sign(SECRET, junk, now));
    assert.equal(refused.statusCode, 400);
    assert.match(refused.headers['content-type'] as string, /problem\+json/);
    const notJson = Buffer.from('{');
    assert.equal((await post(notJson, sign(SECRET, notJson, now))).statusCode, 400);
  });

  it('ingests a signed request once: a retry of the same seq is acknowledged, not added again', async () => {
    const now = Date.now();
    const first = encode(5, 2, now);
    const applied = await post(first, sign(SECRET, first, now));
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(applied.json(), { accepted: 1, rejected: 0, duplicate: false });
    const retry = await post(first, sign(SECRET, first, now + 10));
    assert.deepEqual(retry.json(), { accepted: 0, rejected: 0, duplicate: true });
    const next = encode(6, 3, now + 1000);
    assert.equal((await post(next, sign(SECRET, next, now))).statusCode, 200);
    const exposed = (await t.app.inject('/metrics')).body;
    assert.match(exposed, /^fwd_requests_total\{instance="r1"\} 5$/m, 'the counter is 2 + 3, not 2 + 2 + 3');
  });
});
