import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startChildService, type ChildService } from '../test/support/child-service.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../test/support/postgres.js';
import { dropRedisPrefix, REDIS_URL, redisPrefix } from '../test/cluster/replicas.js';
import { call, roleOf, startReplica, type ReplicaProcess } from '../test/cluster/processes.js';
import { backendPids, cpuByPid, cpuSince, median, quantile, sleep, totalCpu } from './cluster-support.js';
import { report } from './support.js';

const START_TIMEOUT_MS = 180_000;

/** Anything the bench sends requests to: a replica or the embedded process. */
interface Target {
  url: string;
  pid: number;
}

const asTarget = (p: ReplicaProcess | ChildService): Target => ({ url: p.url, pid: p.child.pid! });

interface Round {
  seconds: number;
  /** CPU seconds of the service processes, and of the PostgreSQL backends of the bench's database. */
  serviceCpu: number;
  databaseCpu: number;
  /** CPU seconds of each named group of service processes (the primary, the followers). */
  partCpu: Record<string, number>;
  latenciesMs: number[];
}

/**
 * `clients` concurrent clients, client i sending `batches` JSON batches of `batchSize` samples to
 * targets[i % targets.length], one after another; every answer must be 200 (acknowledged = committed).
 */
async function ingestRound(
  targets: readonly Target[],
  /** The service processes by part (their CPU is counted per part and in total). */
  parts: Readonly<Record<string, readonly number[]>>,
  /** The PostgreSQL backends of the bench's database now (none: the embedded process). */
  dbPids: () => Promise<number[]>,
  shape: { clients: number; batches: number; batchSize: number },
  clock: { t: number },
): Promise<Round> {
  const cpuPids = Object.values(parts).flat();
  const partBefore = Object.fromEntries(Object.entries(parts).map(([part, pids]) => [part, totalCpu(pids)]));
  const serviceBefore = totalCpu(cpuPids);
  const databaseBefore = cpuByPid(await dbPids());
  const latenciesMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: shape.clients }, async (_, client) => {
      const target = targets[client % targets.length]!;
      for (let b = 0; b < shape.batches; b++) {
        const t = clock.t++;
        const metrics = Array.from({ length: shape.batchSize }, (_, i) => ({
          name: 'bench_cve',
          value: i,
          labels: { c: String(client), s: String(i) },
          timestamp: t,
        }));
        const sent = performance.now();
        const r = await call({ url: target.url }, 'POST', '/api/metrics/batch', { metrics });
        if (r.status !== 200) throw new Error(`${target.url}: ${String(r.status)} ${r.text}`);
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return {
    seconds: (performance.now() - started) / 1000,
    serviceCpu: totalCpu(cpuPids) - serviceBefore,
    databaseCpu: cpuSince(databaseBefore, await dbPids()),
    partCpu: Object.fromEntries(
      Object.entries(parts).map(([part, pids]) => [part, totalCpu(pids) - (partBefore[part] ?? 0)]),
    ),
    latenciesMs,
  };
}

function summarise(rounds: readonly Round[], samples: number): Record<string, number> {
  const parts = Object.keys(rounds[0]?.partCpu ?? {});
  return {
    ...Object.fromEntries(
      parts.map((part) => [
        `${part}CpuUsPerSample`,
        (median(rounds.map((r) => r.partCpu[part] ?? 0)) / samples) * 1e6,
      ]),
    ),
    samplesPerSec: samples / median(rounds.map((r) => r.seconds)),
    p99Ms: median(rounds.map((r) => quantile(r.latenciesMs, 0.99))),
    serviceCpuUsPerSample: (median(rounds.map((r) => r.serviceCpu)) / samples) * 1e6,
    databaseCpuUsPerSample: (median(rounds.map((r) => r.databaseCpu)) / samples) * 1e6,
  };
}

async function primaryAndFollowers(
  replicas: readonly ReplicaProcess[],
): Promise<{ primary: ReplicaProcess; followers: ReplicaProcess[] }> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const roles = await Promise.all(replicas.map(roleOf));
    const primary = replicas[roles.indexOf('primary')];
    if (primary !== undefined && roles.every((r) => r === 'primary' || r === 'follower'))
      return { primary, followers: replicas.filter((r) => r !== primary) };
    await sleep(100);
  }
  throw new Error('no primary among the replicas');
}

/** Part 1: 3 replicas on PostgreSQL vs 1 embedded SQLite process, the same batches, rounds interleaved. */
async function ingestVsEmbedded(
  replicas: readonly ReplicaProcess[],
  embedded: ChildService,
  database: TestDatabase,
): Promise<void> {
  const shape = {
    clients: Number(process.env.BENCH_CVE_CLIENTS ?? 6),
    batches: Number(process.env.BENCH_CVE_BATCHES ?? 15),
    batchSize: Number(process.env.BENCH_CVE_BATCH ?? 500),
  };
  const rounds = Number(process.env.BENCH_CVE_ROUNDS ?? 3);
  const clusterTargets = replicas.map(asTarget);
  const { primary, followers } = await primaryAndFollowers(replicas);
  const clusterParts = { primary: [primary.child.pid!], followers: followers.map((f) => f.child.pid!) };
  const embeddedParts = { sqlite: [embedded.child.pid!] };
  const dbPids = (): Promise<number[]> => backendPids(PG_ADMIN_URL, database.name);
  const none = (): Promise<number[]> => Promise.resolve([]);
  const clusterClock = { t: Date.now() - 3_600_000 };
  const embeddedClock = { t: Date.now() - 3_600_000 };
  // Warm-up: series created, JIT warm, connections open on both sides.
  await ingestRound(clusterTargets, clusterParts, dbPids, shape, clusterClock);
  await ingestRound([asTarget(embedded)], embeddedParts, none, shape, embeddedClock);
  const cluster: Round[] = [];
  const single: Round[] = [];
  for (let round = 0; round < rounds; round++) {
    cluster.push(await ingestRound(clusterTargets, clusterParts, dbPids, shape, clusterClock));
    single.push(await ingestRound([asTarget(embedded)], embeddedParts, none, shape, embeddedClock));
  }
  const samples = shape.clients * shape.batches * shape.batchSize;
  const c = summarise(cluster, samples);
  const s = summarise(single, samples);
  report('cluster-vs-embedded', {
    samplesPerRound: samples,
    rounds,
    clients: shape.clients,
    clusterSamplesPerSec: c.samplesPerSec!,
    sqliteSamplesPerSec: s.samplesPerSec!,
    rateRatio: c.samplesPerSec! / s.samplesPerSec!,
    clusterP99Ms: c.p99Ms!,
    sqliteP99Ms: s.p99Ms!,
    clusterCpuUsPerSample: c.serviceCpuUsPerSample!,
    clusterPgCpuUsPerSample: c.databaseCpuUsPerSample!,
    primaryCpuUsPerSample: c.primaryCpuUsPerSample!,
    followersCpuUsPerSample: c.followersCpuUsPerSample!,
    sqliteCpuUsPerSample: s.serviceCpuUsPerSample!,
    cpuRatio: (c.serviceCpuUsPerSample! + c.databaseCpuUsPerSample!) / s.serviceCpuUsPerSample!,
  });
}

/** Whether a replica's instant query shows `bench_failover{k="<k>"}` (the write replicated to it). */
async function shows(replica: ReplicaProcess, k: number): Promise<boolean> {
  const query = encodeURIComponent(`bench_failover{k="${String(k)}"}`);
  const r = await call(replica, 'GET', `/api/v1/query?query=${query}`).catch(() => undefined);
  return r?.status === 200 && r.text.includes(`"k":"${String(k)}"`);
}

/** Where a failover's time went (ADR 0028), from the new primary's `role: primary` log line. */
interface PromotionSplit {
  /** Kill → lease won (the death noticed: the lock freed, or the row expired). */
  detectMs: number;
  /** Lease won → promotion began (a transition before it in the queue). */
  queuedMs: number;
  /** Reading the log to its end. */
  catchUpMs: number;
  /** Stopping the follower's loops and starting the primary's. */
  switchRoleMs: number;
}

/** The split of the promotion that followed a kill at `killedWall`, from the survivors' new output. */
async function promotionSplit(
  survivors: readonly ReplicaProcess[],
  loggedBefore: readonly number[],
  killedWall: number,
): Promise<PromotionSplit | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const [i, survivor] of survivors.entries()) {
      const line = survivor
        .output()
        .slice(loggedBefore[i])
        .split('\n')
        .find((l) => l.includes('"msg":"role: primary"'));
      if (line === undefined) continue;
      const entry = JSON.parse(line) as Omit<PromotionSplit, 'detectMs'> & { time: number };
      const { queuedMs, catchUpMs, switchRoleMs } = entry;
      const detectMs = entry.time - switchRoleMs - catchUpMs - queuedMs - killedWall;
      return { detectMs, queuedMs, catchUpMs, switchRoleMs };
    }
    await sleep(50);
  }
  return undefined;
}

/**
 * Part 2: kill -9 of the primary; from the kill, the time to the first acknowledged ingest (sent in a loop
 * through the survivors, as clients would) and until every surviving follower shows that write. The
 * killed replica is replaced before the next kill, so every kill starts from 3 replicas.
 */
async function failover(replicas: ReplicaProcess[], env: Record<string, string>): Promise<void> {
  const kills = Number(process.env.BENCH_FAILOVER_KILLS ?? 3);
  const toAck: number[] = [];
  const toFollowers: number[] = [];
  const split: Record<keyof PromotionSplit, number[]> = {
    detectMs: [],
    queuedMs: [],
    catchUpMs: [],
    switchRoleMs: [],
  };
  try {
    for (let k = 1; k <= kills; k++) {
      const { primary } = await primaryAndFollowers(replicas);
      const survivors = replicas.filter((r) => r !== primary);
      const logged = survivors.map((r) => r.output().length);
      primary.child.kill('SIGKILL');
      const killed = performance.now();
      const killedWall = Date.now();
      await primary.exited;
      let acknowledged = false;
      for (let attempt = 0; !acknowledged; attempt++) {
        if (performance.now() - killed > 60_000)
          throw new Error('no ingest acknowledged 60 s after the kill');
        const target = survivors[attempt % survivors.length]!;
        const r = await call(target, 'POST', '/api/metrics/batch', {
          metrics: [{ name: 'bench_failover', value: k, labels: { k: String(k) } }],
        }).catch(() => undefined);
        if (r?.status === 200) acknowledged = true;
        else await sleep(20);
      }
      toAck.push(performance.now() - killed);
      const promotion = await promotionSplit(survivors, logged, killedWall);
      if (promotion !== undefined)
        for (const part of Object.keys(split) as (keyof PromotionSplit)[]) split[part].push(promotion[part]);
      for (;;) {
        const roles = await Promise.all(survivors.map(roleOf));
        const followers = survivors.filter((_, i) => roles[i] !== 'primary');
        if ((await Promise.all(followers.map((f) => shows(f, k)))).every(Boolean)) break;
        if (performance.now() - killed > 60_000) throw new Error('followers never showed the write');
        await sleep(20);
      }
      toFollowers.push(performance.now() - killed);
      replicas.splice(
        replicas.indexOf(primary),
        1,
        await startReplica(`bench-r${String(k)}`, env, START_TIMEOUT_MS),
      );
    }
  } catch (error) {
    // A loaded host can take minutes to start the replacement: report the kills measured so far.
    process.stdout.write(`cluster-failover: stopped after ${String(toAck.length)} kills: ${String(error)}\n`);
  }
  if (toAck.length === 0) return;
  report('cluster-failover', {
    kills: toAck.length,
    killToAckMsMedian: median(toAck),
    killToAckMs: toAck.map((v) => v.toFixed(0)).join('/'),
    killToFollowersMsMedian: toFollowers.length > 0 ? median(toFollowers) : Number.NaN,
    killToFollowersMs: toFollowers.map((v) => v.toFixed(0)).join('/'),
    ...Object.fromEntries(
      Object.entries(split).map(([part, values]) => [
        part,
        values.length > 0 ? values.map((v) => v.toFixed(0)).join('/') : 'n/a',
      ]),
    ),
  });
}

/**
 * Part 3: the same range query on the primary and on a follower (the same data, replicated), interleaved;
 * wall time per query and CPU of the answering process per query.
 */
async function rangeQuery(replicas: readonly ReplicaProcess[]): Promise<void> {
  const { primary, followers } = await primaryAndFollowers(replicas);
  const follower = followers[0]!;
  const series = 200;
  const points = 360;
  const end = Math.floor(Date.now() / 10_000) * 10_000;
  const start = end - points * 10_000;
  for (let p = 0; p < points; p += 10) {
    const metrics = [];
    for (let q = p; q < p + 10; q++)
      for (let s = 0; s < series; s++)
        metrics.push({
          name: 'bench_rq',
          value: (s * 7 + q) % 100,
          labels: { s: String(s), g: String(s % 10) },
          timestamp: start + q * 10_000,
        });
    const r = await call(primary, 'POST', '/api/metrics/batch', { metrics });
    if (r.status !== 200) throw new Error(r.text);
  }
  const query = encodeURIComponent('sum by (g) (avg_over_time(bench_rq[2m]))');
  const path = `/api/v1/query_range?query=${query}&start=${String(start / 1000)}&end=${String(end / 1000)}&step=15`;
  const expected = (await call(primary, 'GET', path)).text;
  const caughtUp = performance.now();
  while ((await call(follower, 'GET', path)).text !== expected) {
    if (performance.now() - caughtUp > 30_000) throw new Error('the follower never answered as the primary');
    await sleep(50);
  }
  const perRound = Number(process.env.BENCH_RQ_QUERIES ?? 20);
  const measure = async (replica: ReplicaProcess): Promise<{ wallMs: number; cpuMs: number }> => {
    const cpu = totalCpu([replica.child.pid!]);
    const started = performance.now();
    for (let i = 0; i < perRound; i++) {
      const r = await call(replica, 'GET', path);
      if (r.status !== 200) throw new Error(r.text);
    }
    return {
      wallMs: (performance.now() - started) / perRound,
      cpuMs: ((totalCpu([replica.child.pid!]) - cpu) * 1000) / perRound,
    };
  };
  await measure(primary);
  await measure(follower);
  const onPrimary: { wallMs: number; cpuMs: number }[] = [];
  const onFollower: { wallMs: number; cpuMs: number }[] = [];
  for (let round = 0; round < 5; round++) {
    onPrimary.push(await measure(primary));
    onFollower.push(await measure(follower));
  }
  const m = (runs: typeof onPrimary, key: 'wallMs' | 'cpuMs'): number => median(runs.map((r) => r[key]));
  report('cluster-range-query', {
    series,
    points,
    primaryWallMs: m(onPrimary, 'wallMs'),
    followerWallMs: m(onFollower, 'wallMs'),
    wallRatio: m(onFollower, 'wallMs') / m(onPrimary, 'wallMs'),
    primaryCpuMs: m(onPrimary, 'cpuMs'),
    followerCpuMs: m(onFollower, 'cpuMs'),
    cpuRatio: m(onFollower, 'cpuMs') / m(onPrimary, 'cpuMs'),
  });
}

/**
 * Issue 16's scaled-out benchmarks: 3 replicas on PostgreSQL + Redis (default lease and checkpoint
 * settings) and one embedded SQLite process, all started here. BENCH_CVE_PARTS picks parts (ingest,
 * range, failover; all by default; failover last, it replaces replicas).
 */
export async function benchClusterVsEmbedded(): Promise<void> {
  const parts = (process.env.BENCH_CVE_PARTS ?? 'ingest,range,failover').split(',');
  const database = await createTestDatabase('bench_cve');
  const prefix = redisPrefix();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    // warn: the new primary's `role: primary` line gives the failover's split.
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '10000000',
  };
  const replicas: ReplicaProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-cve-sqlite-'));
  let embedded: ChildService | undefined;
  try {
    // Started together, with time to spare: a start takes 10-40 s of CPU-starved tsx on a loaded host.
    const started = await Promise.allSettled(
      ['bench-a', 'bench-b', 'bench-c'].map((name) => startReplica(name, env, START_TIMEOUT_MS)),
    );
    for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    embedded = await startChildService(
      { DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_MAX: '10000000' },
      START_TIMEOUT_MS,
    );
    await primaryAndFollowers(replicas);
    if (parts.includes('ingest')) await ingestVsEmbedded(replicas, embedded, database);
    if (parts.includes('range')) await rangeQuery(replicas);
    if (parts.includes('failover')) await failover(replicas, env);
  } finally {
    for (const r of replicas) r.child.kill('SIGKILL');
    embedded?.child.kill('SIGKILL');
    await Promise.all([...replicas.map((r) => r.exited), embedded?.exited]);
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
    await dropRedisPrefix(prefix);
  }
}
