import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { REDIS, skipUnlessServers } from '../support/binaries.js';
import { eventually, startReplicas, type Replicas } from './replicas.js';

async function names(app: FastifyInstance, url: string, field: string): Promise<string[]> {
  const answer = await app.inject({ method: 'GET', url });
  assert.equal(answer.statusCode, 200, answer.body);
  const body = answer.json<unknown>();
  const list = (
    Array.isArray(body) ? body : (Object.values(body as object).find((v) => Array.isArray(v)) ?? [])
  ) as Record<string, unknown>[];
  return list.map((item) => String(item[field])).sort();
}

describe('cache invalidation: edits on one replica are reloaded by the others (Redis change feed)', async () => {
  const skip = await skipUnlessServers([REDIS]);
  let replicas: Replicas;
  let a: FastifyInstance;
  let b: FastifyInstance;

  before(async () => {
    if (skip !== false) return;
    replicas = await startReplicas(2, { EGRESS_ALLOWLIST: '127.0.0.1' });
    [a, b] = replicas.apps.map((r) => r.app) as [FastifyInstance, FastifyInstance];
  });
  after(async () => {
    if (skip === false) await replicas.close();
  });

  it('a rule created, changed and deleted on A is seen so on B', { skip }, async () => {
    const created = await a.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      payload: { name: 'Queue', metricName: 'queue_depth', condition: '>', threshold: 100 },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json<{ id: string }>().id;
    await eventually(async () => {
      assert.equal((await b.inject(`/api/alerts/rules/${id}`)).statusCode, 200);
    });
    const changed = await a.inject({
      method: 'PUT',
      url: `/api/alerts/rules/${id}`,
      payload: { name: 'Queue', metricName: 'queue_depth', condition: '>', threshold: 250 },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    await eventually(async () => {
      assert.match((await b.inject(`/api/alerts/rules/${id}`)).body, /"threshold":250\b/);
    });
    assert.equal((await a.inject({ method: 'DELETE', url: `/api/alerts/rules/${id}` })).statusCode, 204);
    await eventually(async () => {
      assert.equal((await b.inject(`/api/alerts/rules/${id}`)).statusCode, 404);
    });
  });

  it('named channels and silences follow', { skip }, async () => {
    const channel = await a.inject({
      method: 'POST',
      url: '/api/alerts/channels',
      payload: { name: 'ops-hook', type: 'webhook', destination: 'http://127.0.0.1:9/hook' },
    });
    assert.equal(channel.statusCode, 201, channel.body);
    await eventually(async () => {
      assert.equal((await b.inject('/api/alerts/channels/ops-hook')).statusCode, 200);
    });
    const silence = await a.inject({
      method: 'POST',
      url: '/api/alerts/silences',
      payload: { matchers: ['alertname="Disk busy"'], endsAt: '1h', comment: 'maintenance' },
    });
    assert.equal(silence.statusCode, 201, silence.body);
    const silenceId = silence.json<{ id: string }>().id;
    await eventually(async () => {
      assert.ok((await names(b, '/api/alerts/silences', 'id')).includes(silenceId));
    });
    assert.equal(
      (await a.inject({ method: 'DELETE', url: `/api/alerts/silences/${silenceId}` })).statusCode,
      204,
    );
    assert.equal(
      (await a.inject({ method: 'DELETE', url: '/api/alerts/channels/ops-hook' })).statusCode,
      204,
    );
    await eventually(async () => {
      assert.ok(!(await names(b, '/api/alerts/silences', 'id')).includes(silenceId));
      assert.equal((await b.inject('/api/alerts/channels/ops-hook')).statusCode, 404);
    });
  });

  it(
    'health services added, changed and deleted on A are watched, changed and dropped on B',
    { skip },
    async () => {
      const added = await a.inject({
        method: 'POST',
        url: '/api/health/services',
        payload: { name: 'billing', url: 'http://127.0.0.1:9/health', interval: 60000 },
      });
      assert.equal(added.statusCode, 201, added.body);
      await eventually(async () => {
        assert.equal((await b.inject('/api/health/services/billing')).statusCode, 200);
      });
      const patched = await a.inject({
        method: 'PATCH',
        url: '/api/health/services/billing',
        payload: { interval: 120000 },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      await eventually(async () => {
        const detail = (await b.inject('/api/health/services/billing')).body;
        assert.match(detail, /120000/);
      });
      assert.equal(
        (await a.inject({ method: 'DELETE', url: '/api/health/services/billing' })).statusCode,
        204,
      );
      await eventually(async () => {
        assert.equal((await b.inject('/api/health/services/billing')).statusCode, 404);
      });
    },
  );
});
