import autocannon from 'autocannon';
import { readFileSync, rmSync } from 'node:fs';
import { encodeRequest } from '../src/receivers/otlp/codec.js';
import { startChildService } from '../test/support/child-service.js';
import { ADMIN_AUTH } from '../test/support/test-app.js';
import { report, tempDir } from './support.js';

const POINTS_PER_REQUEST = 1000;
const SERIES = 10_000;
const METRICS = 20;
/** /proc/<pid>/stat counts CPU time in clock ticks; Linux exposes USER_HZ = 100 to user space. */
const TICKS_PER_SECOND = 100;

type Protocol = 'json_batch' | 'otlp_protobuf' | 'otlp_json';

interface Load {
  path: string;
  contentType: string;
  bodies: (string | Buffer)[];
}

/**
 * Samples/s and server CPU per sample for OTLP protobuf, OTLP JSON and the JSON batch API, the same
 * 10,000 series each (20 metrics × 500 label sets, half counters, half gauges, 1,000 points a request),
 * one service in a child process, the three loads taken in turn in each round; ratios against the JSON
 * batch of the same round, medians across rounds. Points carry no timestamp (time of receipt) in all
 * three, so bodies can be replayed; OTLP counters are cumulative totals.
 */
export async function benchOtlp(
  durationSeconds = Number(process.env.BENCH_OTLP_SECONDS ?? 5),
  rounds = Number(process.env.BENCH_OTLP_ROUNDS ?? 3),
): Promise<void> {
  const loads: Record<Protocol, Load> = {
    json_batch: {
      path: '/api/metrics/batch',
      contentType: 'application/json',
      bodies: batchBodies('bench_batch'),
    },
    otlp_protobuf: {
      path: '/v1/metrics',
      contentType: 'application/x-protobuf',
      bodies: otlpBodies('bench_otlp_pb').map((body) => encodeRequest(body)),
    },
    otlp_json: {
      path: '/v1/metrics',
      contentType: 'application/json',
      bodies: otlpBodies('bench_otlp_json').map((body) => JSON.stringify(body)),
    },
  };
  const dir = tempDir('otlp');
  const service = await startChildService({ DATA_DIR: dir, LOG_LEVEL: 'error' }, 180_000);
  const pid = service.child.pid!;
  try {
    // A first pass creates the series; rounds then measure the steady state of known series.
    for (const load of Object.values(loads)) await run(service.url, load, 2);
    const results: Record<string, number>[] = [];
    for (let round = 0; round < rounds; round++) {
      const figures: Record<string, number> = {};
      for (const [protocol, load] of Object.entries(loads) as [Protocol, Load][]) {
        const cpuBefore = processCpuSeconds(pid);
        const result = await run(service.url, load, durationSeconds);
        const serverCpu = processCpuSeconds(pid) - cpuBefore;
        const accepted = result['2xx'] * POINTS_PER_REQUEST;
        figures[`${protocol}_samples_per_s`] = Math.round(accepted / durationSeconds);
        figures[`${protocol}_cpu_us_per_sample`] = (serverCpu * 1e6) / accepted;
        figures[`${protocol}_non_2xx`] = result.non2xx;
      }
      for (const protocol of ['otlp_protobuf', 'otlp_json'] as const) {
        figures[`${protocol}_ratio`] =
          figures[`${protocol}_samples_per_s`]! / figures.json_batch_samples_per_s!;
        figures[`${protocol}_cpu_ratio`] =
          figures.json_batch_cpu_us_per_sample! / figures[`${protocol}_cpu_us_per_sample`]!;
      }
      results.push(figures);
      report(`otlp round ${String(round + 1)}`, figures);
    }
    report(`otlp (median of ${String(rounds)} rounds of ${String(durationSeconds)} s per protocol)`, {
      ...medians(results),
      load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join('/'),
    });
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Series i: metric i % 20, labels instance and shard; even metrics counters, odd ones gauges. */
function seriesOf(i: number) {
  return {
    metric: i % METRICS,
    counter: (i % METRICS) % 2 === 0,
    value: (i % 97) + 0.5,
    instance: `host-${String(i % 50)}`,
    shard: String(i),
  };
}

function batchBodies(prefix: string): string[] {
  const bodies: string[] = [];
  for (let b = 0; b < SERIES / POINTS_PER_REQUEST; b++) {
    const metrics = Array.from({ length: POINTS_PER_REQUEST }, (_, i) => {
      const s = seriesOf(b * POINTS_PER_REQUEST + i);
      return {
        name: `${prefix}_${String(s.metric)}${s.counter ? '_total' : ''}`,
        type: s.counter ? 'counter' : 'gauge',
        value: s.value,
        labels: { instance: s.instance, shard: s.shard },
      };
    });
    bodies.push(JSON.stringify({ metrics }));
  }
  return bodies;
}

/** The same series as OTLP: one resource, one scope, a metric per name with its points. */
function otlpBodies(prefix: string): Record<string, unknown>[] {
  const bodies: Record<string, unknown>[] = [];
  for (let b = 0; b < SERIES / POINTS_PER_REQUEST; b++) {
    const byMetric = new Map<number, Record<string, unknown>[]>();
    for (let i = 0; i < POINTS_PER_REQUEST; i++) {
      const s = seriesOf(b * POINTS_PER_REQUEST + i);
      const point = {
        asDouble: s.value,
        attributes: [
          { key: 'host', value: { stringValue: s.instance } },
          { key: 'shard', value: { stringValue: s.shard } },
        ],
      };
      const points = byMetric.get(s.metric) ?? [];
      points.push(point);
      byMetric.set(s.metric, points);
    }
    const metrics = [...byMetric].map(([metric, dataPoints]) =>
      metric % 2 === 0
        ? {
            name: `${prefix}_${String(metric)}`,
            sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints },
          }
        : { name: `${prefix}_${String(metric)}`, gauge: { dataPoints } },
    );
    bodies.push({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] },
          scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
        },
      ],
    });
  }
  return bodies;
}

function run(url: string, load: Load, seconds: number) {
  return autocannon({
    url: `${url}${load.path}`,
    connections: 4,
    pipelining: 1,
    duration: seconds,
    requests: load.bodies.map((body) => ({
      method: 'POST',
      path: load.path,
      headers: { 'content-type': load.contentType, ...ADMIN_AUTH },
      body,
    })),
  });
}

/** User + system CPU seconds of a process, all its threads (fields 14 and 15 of /proc/<pid>/stat). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function medians(rounds: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(rounds[0] ?? {})) {
    const sorted = rounds.map((r) => r[key]!).sort((a, b) => a - b);
    const half = Math.floor(sorted.length / 2);
    out[key] = sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  }
  return out;
}
