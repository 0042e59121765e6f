import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startChildService } from '../support/child-service.js';
import { ADMIN_AUTH } from '../support/test-app.js';

const SERIES_PER_WRITER = 50;
const WRITERS = 4;

describe('durability of acknowledged samples', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged sample across kill -9 mid-ingest, with an intact database file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'metrics-kill-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, CHECKPOINT_INTERVAL_MS: '1000' };
    const service = await startChildService(env);
    const base = Date.now() - 60_000;
    // acked[series] = number of acknowledged samples and the newest acknowledged value
    const acked = new Map<string, { count: number; last: number }>();
    const state = { stop: false };
    const writer = async (w: number): Promise<void> => {
      for (let batch = 0; !state.stop; batch++) {
        const metrics = Array.from({ length: SERIES_PER_WRITER }, (_, s) => ({
          name: 'kill_test',
          value: batch,
          labels: { series: `${w}-${s}` },
          timestamp: base + batch * 10 + w,
        }));
        try {
          const response = await fetch(`${service.url}/api/metrics/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...ADMIN_AUTH },
            body: JSON.stringify({ metrics }),
          });
          if (response.status !== 200) throw new Error(`status ${response.status}: ${await response.text()}`);
          for (const m of metrics) acked.set(m.labels.series, { count: batch + 1, last: batch });
        } catch (error) {
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the test while awaiting
          if (state.stop) return;
          throw error;
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await new Promise((resolve) => setTimeout(resolve, 2500)); // spans at least two checkpoints
    state.stop = true; // requests in flight now fail: they were never acknowledged
    service.child.kill('SIGKILL');
    await service.exited;
    await Promise.allSettled(writers);
    assert.ok(acked.size === WRITERS * SERIES_PER_WRITER, 'every writer had acknowledged batches');
    assert.ok(
      Math.min(...[...acked.values()].map((a) => a.count)) >= 5,
      'each writer acknowledged several batches',
    );

    const db = new Database(join(dataDir, 'metrics.db'), { readonly: true });
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    db.close();

    const restarted = await startChildService(env);
    try {
      const end = Date.now();
      for (const [series, expected] of acked) {
        const url = `${restarted.url}/api/metrics/query?metric=kill_test&match=series="${series}"&fn=count&start=${base - 1}&end=${end}&step=${end - base + 1}ms&window=${end - base + 1}ms`;
        const body = (await (await fetch(url, { headers: ADMIN_AUTH })).json()) as {
          series: { points: [number, number][] }[];
        };
        const count = body.series[0]!.points.at(-1)![1];
        assert.ok(
          count >= expected.count,
          `${series}: ${count} samples stored, ${expected.count} acknowledged`,
        );
      }
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  it('shuts down on SIGTERM within 10 s, folding memory into chunks', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'metrics-term-'));
    dirs.push(dataDir);
    const service = await startChildService({ DATA_DIR: dataDir });
    const response = await fetch(`${service.url}/api/metrics/custom`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN_AUTH },
      body: JSON.stringify({ name: 'term_test', value: 42 }),
    });
    assert.equal(response.status, 200);
    const started = Date.now();
    service.child.kill('SIGTERM');
    const { code } = await service.exited;
    assert.equal(code, 0, service.output());
    assert.ok(Date.now() - started < 10_000);
    const db = new Database(join(dataDir, 'metrics.db'), { readonly: true });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM wal').get() as { n: number }).n, 0);
    // One sample: it sits in the series' open chunk, not yet in a sealed one.
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM head_chunks').get() as { n: number }).n, 1);
    db.close();
  });
});
