import autocannon from 'autocannon';
import { readFileSync, rmSync } from 'node:fs';
import { startChildService } from '../test/support/child-service.js';
import { ADMIN_AUTH } from '../test/support/test-app.js';
import { median, report, tempDir } from './support.js';

const SAMPLES_PER_REQUEST = 1000;
const SERIES = 10_000;
/** /proc/<pid>/stat counts CPU time in clock ticks; Linux exposes USER_HZ = 100 to user space. */
const TICKS_PER_SECOND = 100;

interface Round {
  samplesPerS: number;
  parseSamplesPerS: number;
  serverCpuUsPerSample: number;
  parseCpuUsPerSample: number;
  p99Ms: number;
  non2xx: number;
}

/**
 * Durable ingest over loopback through POST /api/metrics/batch (service in a child process, autocannon
 * here), against this process merely JSON.parsing the same bodies. Each round measures both, so the
 * ratios compare figures taken minutes apart at most; the summary is the median of the rounds.
 *
 * Two ratios: samples/s (wall clock, follows the host's load) and CPU time per sample (the server's
 * user + system time from /proc over the samples it accepted, against the CPU time this process spends
 * parsing a sample). The CPU ratio is what holds on a shared, loaded host: it does not count the time the
 * server waits for a core.
 */
export async function benchIngest(
  durationSeconds = Number(process.env.BENCH_INGEST_SECONDS ?? 5),
  rounds = Number(process.env.BENCH_INGEST_ROUNDS ?? 5),
): Promise<void> {
  const bodies = ingestBenchBodies();
  const dir = tempDir('ingest');
  const env: Record<string, string> = { DATA_DIR: dir, LOG_LEVEL: 'error' };
  if (process.env.BENCH_INGEST_AUTH === 'off') env.AUTH_ENABLED = 'false';
  // A loaded host can take a minute to start the service through tsx.
  const service = await startChildService(env, 180_000);
  const pid = service.child.pid!;
  try {
    // The first pass creates the 10,000 series and runs until V8 has compiled the hot paths: rounds then
    // measure the steady state of known series. After a 2 s pass the compiler and GC threads still used
    // 7-17 % of the main thread's CPU (per-thread CPU from /proc/<pid>/task) until ~20 s of load, a
    // start-up cost rather than a sample's; from then on 2-8 %.
    await load(service.url, bodies, Number(process.env.BENCH_INGEST_WARMUP_SECONDS ?? 20));
    const results: Record<string, number>[] = [];
    for (let round = 0; round < rounds; round++) {
      const parse = parseCost(bodies);
      const cpuBefore = processCpuSeconds(pid);
      const result = await load(service.url, bodies, durationSeconds);
      const serverCpu = processCpuSeconds(pid) - cpuBefore;
      const accepted = result['2xx'] * SAMPLES_PER_REQUEST;
      const r: Round = {
        samplesPerS: accepted / durationSeconds,
        parseSamplesPerS: parse.samplesPerS,
        serverCpuUsPerSample: (serverCpu * 1e6) / accepted,
        parseCpuUsPerSample: parse.cpuUsPerSample,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
      };
      results.push(figures(r));
      report(`ingest round ${String(round + 1)}`, figures(r));
    }
    report(`ingest (median of ${String(rounds)} rounds of ${String(durationSeconds)} s)`, {
      ...medians(results),
      load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join('/'),
      target: 'ratio >= 0.3 (300,000 samples/s)',
    });
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ten bodies of 1,000 samples: 10,000 series of 20 metrics, half counters, half gauges. */
export function ingestBenchBodies(): string[] {
  const bodies: string[] = [];
  for (let b = 0; b < SERIES / SAMPLES_PER_REQUEST; b++) {
    const metrics = Array.from({ length: SAMPLES_PER_REQUEST }, (_, i) => {
      const series = b * SAMPLES_PER_REQUEST + i;
      return {
        name: `bench_metric_${String(series % 20)}`,
        type: series % 2 === 0 ? 'counter' : 'gauge',
        value: (series % 97) + 0.5,
        labels: { instance: `host-${String(series % 50)}`, shard: String(series) },
      };
    });
    bodies.push(JSON.stringify({ metrics }));
  }
  return bodies;
}

/** The bench's load: the bodies in turn over 4 connections for `seconds`, with the given credential. */
export function load(
  url: string,
  bodies: readonly string[],
  seconds: number,
  auth: Readonly<Record<string, string>> = ADMIN_AUTH,
) {
  return autocannon({
    url: `${url}/api/metrics/batch`,
    connections: 4,
    pipelining: 1,
    duration: seconds,
    requests: bodies.map((body) => ({
      method: 'POST',
      path: '/api/metrics/batch',
      headers: { 'content-type': 'application/json', ...auth },
      body,
    })),
  });
}

/** JSON.parse of the bench bodies for about a second: samples per wall-clock second and CPU µs per sample. */
function parseCost(bodies: readonly string[]): { samplesPerS: number; cpuUsPerSample: number } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let parsed = 0;
  while (performance.now() - start < 1000) {
    for (const body of bodies) {
      JSON.parse(body);
      parsed += SAMPLES_PER_REQUEST;
    }
  }
  const used = process.cpuUsage(cpu);
  return {
    samplesPerS: parsed / ((performance.now() - start) / 1000),
    cpuUsPerSample: (used.user + used.system) / parsed,
  };
}

/** User + system CPU seconds of a process, all its threads (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The median of each figure across rounds (ratios included: the median of the rounds' ratios). */
function medians(rounds: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(rounds[0] ?? {})) {
    out[key] = median(rounds.map((r) => r[key]!));
  }
  return out;
}

function figures(r: Round): Record<string, number> {
  return {
    samples_per_s: Math.round(r.samplesPerS),
    json_parse_samples_per_s: Math.round(r.parseSamplesPerS),
    ratio_vs_json_parse: r.samplesPerS / r.parseSamplesPerS,
    server_cpu_us_per_sample: r.serverCpuUsPerSample,
    json_parse_cpu_us_per_sample: r.parseCpuUsPerSample,
    cpu_ratio_vs_json_parse: r.parseCpuUsPerSample / r.serverCpuUsPerSample,
    p99_latency_ms: r.p99Ms,
    non_2xx: r.non2xx,
  };
}
