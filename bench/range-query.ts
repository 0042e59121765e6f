import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchServices, report, seeded } from './support.js';

/**
 * One series, 24 h at 15 s (5,760 samples), downsampled to 500 points with avg, through the query
 * engine; baseline: reading the same samples from a one-row-per-sample SQLite table.
 * BENCH_RANGE_DAYS=30 measures a month instead (172,800 samples), the longest default retention.
 */
export async function benchRangeQuery(
  days = Number(process.env.BENCH_RANGE_DAYS ?? 1),
  iterations = 200,
): Promise<void> {
  const { services, dir } = await benchServices({ METRICS_TTL: String(Math.max(30, days + 1) * 86_400) });
  const end = Date.now();
  const start = end - days * 86_400_000;
  const rnd = seeded(7);
  const metrics = [];
  const rows: [number, number][] = [];
  let value = 50;
  for (let t = start; t <= end; t += 15_000) {
    value = Math.round((value + (rnd() - 0.5) * 2) * 100) / 100;
    metrics.push({ name: 'cpu_percent', value, timestamp: t });
    rows.push([t, value]);
  }
  await services.ingest.ingest(metrics, 'custom');
  await services.tsdb.checkpoint();

  const baselineDb = new Database(join(dir, 'rows.db'));
  baselineDb.exec(
    'CREATE TABLE samples (series_id INTEGER, t INTEGER, v REAL, PRIMARY KEY (series_id, t)) WITHOUT ROWID',
  );
  const insert = baselineDb.prepare('INSERT INTO samples VALUES (1, ?, ?)');
  baselineDb.transaction(() => {
    for (const [t, v] of rows) insert.run(t, v);
  })();
  const select = baselineDb
    .prepare('SELECT t, v FROM samples WHERE series_id = 1 AND t BETWEEN ? AND ?')
    .raw();

  const query = {
    metric: 'cpu_percent',
    matchers: [],
    start,
    end,
    stepMs: Math.ceil((end - start) / 500),
    windowMs: Math.ceil((end - start) / 500),
    fn: 'avg' as const,
  };
  const time = async (work: () => unknown): Promise<{ p50: number; p99: number }> => {
    const durations: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      await work();
      durations.push(performance.now() - started);
    }
    durations.sort((a, b) => a - b);
    return { p50: durations[Math.floor(iterations / 2)]!, p99: durations[Math.floor(iterations * 0.99)]! };
  };
  const ours = await time(() => services.query.range(query));
  const baseline = await time(() => select.all(start, end));
  const result = await services.query.range(query);
  report('range_query', {
    days,
    samples: rows.length,
    points: result.series[0]!.points.length,
    ours_p50_ms: ours.p50,
    ours_p99_ms: ours.p99,
    row_table_select_p50_ms: baseline.p50,
    ratio_vs_row_select: ours.p50 / baseline.p50,
    target: '<= 10 ms',
  });
  baselineDb.close();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
