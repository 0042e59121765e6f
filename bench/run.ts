import { benchAlerting } from './alerting.js';
import { benchClusterIngest } from './cluster-ingest.js';
import { benchClusterVsEmbedded } from './cluster-vs-embedded.js';
import { benchCollectors } from './collectors.js';
import { benchExposition } from './exposition.js';
import { benchHealth } from './health.js';
import { benchHeartbeatWrites } from './heartbeat-writes.js';
import { benchMonitorsMixed } from './monitors-mixed.js';
import { benchIngest } from './ingest.js';
import { benchMiddleware } from './middleware.js';
import { benchMiddlewareInstructions } from './middleware-instructions.js';
import { benchPromql } from './promql.js';
import { benchPromqlDecode } from './promql-decode.js';
import { benchOtlp } from './otlp.js';
import { benchQueryFill } from './query-fill.js';
import { benchRangeQuery } from './range-query.js';
import { benchRealtime } from './realtime.js';
import { benchRemoteWrite } from './remote-write.js';
import { benchRemoteWriteDecode } from './remote-write-decode.js';
import { benchSoak } from './soak.js';
import { benchStartup } from './startup.js';
import { benchHistogramStorage, benchStorage } from './storage.js';
import { benchValueSerialisation } from './value-serialisation.js';

/** npm run bench [name…]: every benchmark, or the named ones (ingest, storage, exposition, range-query, query-fill, promql, middleware, collectors, health, alerting, realtime, startup, value-serialisation, remote-write, otlp, middleware-instructions, soak, remote-write-decode, promql-decode, heartbeat-writes). */
const all: Record<string, () => Promise<void>> = {
  ingest: () => benchIngest(),
  storage: async () => {
    await benchHistogramStorage();
    await benchStorage(Number(process.env.BENCH_STORAGE_SAMPLES ?? 10_000_000));
  },
  exposition: () => benchExposition(),
  'range-query': () => benchRangeQuery(),
  'query-fill': () => benchQueryFill(),
  middleware: () => benchMiddleware(),
  collectors: () => benchCollectors(),
  health: () => benchHealth(),
  realtime: () =>
    benchRealtime(Number(process.env.BENCH_RT_CLIENTS ?? 1000), Number(process.env.BENCH_RT_ALERTS ?? 20)),
  alerting: () =>
    benchAlerting(
      Number(process.env.BENCH_ALERT_ROUNDS ?? 1000),
      Number(process.env.BENCH_ALERT_PROM_ROUNDS ?? 10),
    ),
  'value-serialisation': () => {
    benchValueSerialisation();
    return Promise.resolve();
  },
  startup: () => benchStartup(Number(process.env.BENCH_STARTUP_RUNS ?? 7)),
  'remote-write': () => benchRemoteWrite(),
  otlp: () => benchOtlp(),
  'promql-decode': () => {
    benchPromqlDecode();
    return Promise.resolve();
  },
  'heartbeat-writes': () => {
    benchHeartbeatWrites();
    return Promise.resolve();
  },
  'remote-write-decode': () => {
    benchRemoteWriteDecode();
    return Promise.resolve();
  },
};
// Asked for by name only: it loads 24 h of 10,000 series into the service and into Prometheus.
const byName: Record<string, () => Promise<void>> = {
  promql: () => benchPromql(),
  // Two service processes on the local PostgreSQL (ADR 0020).
  'cluster-ingest': () => benchClusterIngest(),
  // Three replicas on PostgreSQL + Redis vs one SQLite process; failover; range query on a follower.
  'cluster-vs-embedded': () => benchClusterVsEmbedded(),
  // 2,000 mixed monitors and 2,000 HTTP ones, 3 runs of ~70 s each.
  'monitors-mixed': () => benchMonitorsMixed(),
};
const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(byName)) if (wanted.includes(name)) await run();
for (const [name, run] of Object.entries(all)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
// Asked for by name only: the soak runs SOAK_MINUTES (10) minutes.
if (wanted.includes('soak')) await benchSoak();
// Asked for by name only: valgrind makes it take minutes.
if (wanted.includes('middleware-instructions'))
  await benchMiddlewareInstructions(
    Number(process.env.BENCH_INSTRUCTION_WARMUP ?? 8000),
    Number(process.env.BENCH_INSTRUCTION_REQUESTS ?? 4000),
  );
