import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '../test/support/postgres.js';
import { call, roleOf, startReplica, type ReplicaProcess } from '../test/cluster/processes.js';
import { cpuSeconds, median, quantile } from './cluster-support.js';
import { report } from './support.js';

/**
 * Scaled-out ingest (ADR 0020): two replicas on one PostgreSQL database, a primary and a follower.
 * Samples/s and CPU per sample (primary + follower processes, user + system) of JSON batches sent
 * straight to the primary (the baseline) and through the follower (forwarded), rounds interleaved so
 * the host's load weighs on both alike; then the follower's lag, commit on the primary to visible on the
 * follower, p50/p99. BENCH_CLUSTER_ROUNDS (5), BENCH_CLUSTER_BATCHES (40) of BENCH_CLUSTER_BATCH (500).
 */
export async function benchClusterIngest(): Promise<void> {
  const rounds = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 5);
  const batches = Number(process.env.BENCH_CLUSTER_BATCHES ?? 40);
  const batchSize = Number(process.env.BENCH_CLUSTER_BATCH ?? 500);
  const database = await createTestDatabase('bench_cluster');
  const env = { DATABASE_URL: database.url, CLUSTER_LEASE_TTL: '3000', LOG_LEVEL: 'error' };
  const replicas: ReplicaProcess[] = [];
  try {
    replicas.push(await startReplica('bench-a', env));
    replicas.push(await startReplica('bench-b', env));
    const roles = await Promise.all(replicas.map(roleOf));
    const primary = replicas[roles.indexOf('primary')]!;
    const follower = replicas[roles.indexOf('follower')]!;
    let t0 = Date.now() - 3_600_000;
    const send = async (target: ReplicaProcess): Promise<{ seconds: number; cpu: number }> => {
      const pids = [primary.child.pid!, follower.child.pid!];
      const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
      const started = performance.now();
      for (let b = 0; b < batches; b++) {
        const t = t0++;
        const metrics = Array.from({ length: batchSize }, (_, i) => ({
          name: 'bench_cluster',
          value: i,
          labels: { s: String(i) },
          timestamp: t,
        }));
        const r = await call(target, 'POST', '/api/metrics/batch', { metrics });
        if (r.status !== 200) throw new Error(`${target.name}: ${String(r.status)} ${r.text}`);
      }
      const seconds = (performance.now() - started) / 1000;
      return { seconds, cpu: pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore };
    };
    await send(primary); // warm-up: series created, JIT warm
    const direct: { seconds: number; cpu: number }[] = [];
    const forwarded: { seconds: number; cpu: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      direct.push(await send(primary));
      forwarded.push(await send(follower));
    }
    const samples = batches * batchSize;
    const rate = (runs: typeof direct): number => samples / median(runs.map((r) => r.seconds));
    const cpuPerSample = (runs: typeof direct): number => (median(runs.map((r) => r.cpu)) / samples) * 1e6;
    report('cluster-ingest', {
      samplesPerRound: samples,
      rounds,
      directSamplesPerSec: rate(direct),
      forwardedSamplesPerSec: rate(forwarded),
      rateRatio: rate(forwarded) / rate(direct),
      directCpuUsPerSample: cpuPerSample(direct),
      forwardedCpuUsPerSample: cpuPerSample(forwarded),
      cpuRatio: cpuPerSample(forwarded) / cpuPerSample(direct),
    });

    // Lag: one gauge written to the primary, polled on the follower until its value shows.
    const lags: number[] = [];
    for (let i = 1; i <= 50; i++) {
      const written = await call(primary, 'POST', '/api/metrics/custom', { name: 'bench_lag', value: i });
      if (written.status !== 200 && written.status !== 201) throw new Error(written.text);
      const committed = performance.now();
      for (;;) {
        const r = await call(follower, 'GET', '/api/metrics/summary?metric=bench_lag');
        if (r.status === 200 && r.text.includes(`"latest":${String(i)}`)) break;
        const metrics = await call(follower, 'GET', '/metrics');
        if (metrics.text.includes(`bench_lag ${String(i)}\n`)) break;
        if (performance.now() - committed > 10_000) throw new Error('the follower never showed the write');
      }
      lags.push(performance.now() - committed);
    }
    report('cluster-follower-lag', {
      probes: lags.length,
      p50Ms: quantile(lags, 0.5),
      p99Ms: quantile(lags, 0.99),
    });
  } finally {
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await database.drop();
  }
}
