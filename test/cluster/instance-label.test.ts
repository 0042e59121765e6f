import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replicaIdOf } from '../../src/cluster/replica-id.js';
import { startTestApp } from '../support/test-app.js';

async function memoryLine(env: Record<string, string>): Promise<string> {
  const t = await startTestApp({ SYSTEM_COLLECT_INTERVAL: '1000', ...env });
  try {
    await t.services.tasks.find((task) => task.name === 'system-collector')!.flush();
    const text = (await t.app.inject('/metrics')).body;
    const line = text.split('\n').find((l) => l.startsWith('system_memory_total_bytes'));
    assert.ok(line !== undefined, 'the system collector wrote its series');
    return line;
  } finally {
    await t.close();
  }
}

describe('per-replica series carry an instance label', () => {
  it('with REPLICA_ID the collectors label their series; without it /metrics is as before', async () => {
    assert.match(
      await memoryLine({ REPLICA_ID: 'replica-7' }),
      /^system_memory_total_bytes\{instance="replica-7"\} \d/,
    );
    assert.match(await memoryLine({}), /^system_memory_total_bytes \d/);
  });

  it('the replica id: REPLICA_ID, else the host name with DATABASE_URL, else none (REDIS_URL alone is not scaled out)', () => {
    assert.equal(replicaIdOf({ replicaId: 'r1', databaseUrl: undefined }), 'r1');
    assert.equal(replicaIdOf({ replicaId: undefined, databaseUrl: undefined }), undefined);
    assert.equal(
      typeof replicaIdOf({ replicaId: undefined, databaseUrl: 'postgres://db/metrics' }),
      'string',
    );
  });
});
