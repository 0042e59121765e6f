import { rmSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { BENCH_AUTH, benchServices, report } from './support.js';

/**
 * The soak's range query (20 series written every second, grouped by instance) after 10, 30, 60 and 120
 * minutes of data: CPU per query over the last hour, and over the last 10 minutes as the baseline whose
 * window is full from the first level on. Tells a query that grows while its window fills from one that
 * grows with everything stored.
 */
export async function benchQueryFill(levels = [10, 30, 60, 120], queries = 40): Promise<void> {
  for (const minutes of levels) {
    const { services, dir } = await benchServices();
    const app = await buildApp(services);
    const end = Date.now();
    for (let from = end - minutes * 60_000; from <= end; from += 60_000) {
      const metrics = [];
      for (let t = from; t < from + 60_000 && t <= end; t += 1000)
        for (let i = 0; i < 20; i++)
          metrics.push({
            name: 'soak_gauge_3',
            labels: { instance: `i${String(i)}` },
            value: Math.round(50 + 40 * Math.sin(t / 90_000 + i)),
            timestamp: t,
          });
      await services.ingest.ingest(metrics, 'custom');
    }
    await services.tsdb.checkpoint();
    const cpuPerQuery = async (start: string): Promise<number> => {
      const url = `/api/metrics/query?metric=soak_gauge_3&start=${start}&by=instance`;
      for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url, headers: BENCH_AUTH }); // warm-up
      const before = process.cpuUsage();
      for (let i = 0; i < queries; i++) {
        const response = await app.inject({ method: 'GET', url, headers: BENCH_AUTH });
        if (response.statusCode !== 200) throw new Error(response.body);
      }
      const { user, system } = process.cpuUsage(before);
      return (user + system) / 1000 / queries;
    };
    const lastHour = await cpuPerQuery('now-1h');
    const last10m = await cpuPerQuery('now-10m');
    report('query_fill', {
      minutes_of_data: minutes,
      cpu_ms_per_query_1h: lastHour,
      cpu_ms_per_query_10m: last10m,
      ratio_1h_vs_10m: lastHour / last10m,
    });
    await app.close();
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
