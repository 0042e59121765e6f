import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startChildService } from '../test/support/child-service.js';
import { freePort } from '../test/support/child-service.js';
import { poll } from '../test/support/prometheus.js';
import { encodeV1, snappy, V1_HEADERS } from '../test/support/remote-write.js';
import { ADMIN_AUTH } from '../test/support/test-app.js';
import { report, tempDir } from './support.js';

const SAMPLES_PER_REQUEST = 1000;
const SERIES = 10_000;
const TICKS_PER_SECOND = 100;

/**
 * The same 10,000 series (20 metrics, half counters) sent as remote write 1.0 and as the JSON batch to the
 * service (child process), and as remote write to the real prometheus (--web.enable-remote-write-receiver),
 * in the same run: samples/s and server CPU µs per sample, median of the rounds.
 * Targets: remote write ≥ 1.5× the JSON batch; ≥ 0.5 of Prometheus' receiver.
 */
export async function benchRemoteWrite(
  seconds = Number(process.env.BENCH_RW_SECONDS ?? 5),
  rounds = Number(process.env.BENCH_RW_ROUNDS ?? 3),
): Promise<void> {
  const dir = tempDir('remote-write');
  const service = await startChildService({ DATA_DIR: dir, LOG_LEVEL: 'error' }, 180_000);
  const promDir = tempDir('remote-write-prom');
  const promPort = await freePort();
  const prometheus = spawn(
    'prometheus',
    [
      `--config.file=/dev/null`,
      `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(promPort)}`,
      '--web.enable-remote-write-receiver',
    ],
    { stdio: 'ignore' },
  );
  const promUrl = `http://127.0.0.1:${String(promPort)}`;
  try {
    await poll(async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), 60_000);
    const results: Record<string, number>[] = [];
    for (let round = 0; round < rounds; round++) {
      // Fresh timestamps each round: every request of a round repeats its series' sample (a retry).
      const now = Date.now();
      const rw = rwBodies(now);
      const json = jsonBodies();
      const measure = async (
        url: string,
        path: string,
        headers: Record<string, string>,
        bodies: (string | Buffer)[],
        pid?: number,
      ) => {
        const before = pid === undefined ? 0 : cpuSeconds(pid);
        const result = await autocannon({
          url: `${url}${path}`,
          connections: 4,
          duration: seconds,
          requests: bodies.map((body) => ({ method: 'POST', path, headers, body })),
        });
        const samples = result['2xx'] * SAMPLES_PER_REQUEST;
        const cpu = pid === undefined ? 0 : cpuSeconds(pid) - before;
        return {
          perS: samples / seconds,
          cpuUs: samples === 0 ? 0 : (cpu * 1e6) / samples,
          non2xx: result.non2xx,
        };
      };
      const pid = service.child.pid!;
      const rwAuth = { ...V1_HEADERS, ...ADMIN_AUTH };
      const service_rw = await measure(service.url, '/api/v1/write', rwAuth, rw, pid);
      const service_json = await measure(
        service.url,
        '/api/metrics/batch',
        { 'content-type': 'application/json', ...ADMIN_AUTH },
        json,
        pid,
      );
      const prom_rw = await measure(promUrl, '/api/v1/write', { ...V1_HEADERS }, rw, prometheus.pid);
      const figures = {
        rw_samples_per_s: Math.round(service_rw.perS),
        json_samples_per_s: Math.round(service_json.perS),
        prometheus_rw_samples_per_s: Math.round(prom_rw.perS),
        rw_cpu_us_per_sample: service_rw.cpuUs,
        json_cpu_us_per_sample: service_json.cpuUs,
        prometheus_cpu_us_per_sample: prom_rw.cpuUs,
        ratio_rw_vs_json: service_rw.perS / service_json.perS,
        cpu_ratio_rw_vs_json: service_json.cpuUs / service_rw.cpuUs,
        ratio_rw_vs_prometheus: service_rw.perS / prom_rw.perS,
        cpu_ratio_rw_vs_prometheus: prom_rw.cpuUs / service_rw.cpuUs,
        non_2xx: service_rw.non2xx + service_json.non2xx + prom_rw.non2xx,
      };
      results.push(figures);
      report(`remote-write round ${String(round + 1)}`, figures);
    }
    report(`remote-write (median of ${String(rounds)} rounds of ${String(seconds)} s)`, {
      ...medians(results),
      load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join('/'),
      target: 'ratio_rw_vs_json >= 1.5, ratio_rw_vs_prometheus >= 0.5',
    });
  } finally {
    prometheus.kill('SIGTERM');
    service.child.kill('SIGTERM');
    await service.exited;
    rmSync(dir, { recursive: true, force: true });
    rmSync(promDir, { recursive: true, force: true });
  }
}

function seriesOf(i: number) {
  return {
    name: `bench_rw_metric_${String(i % 20)}`,
    counter: i % 2 === 0,
    instance: `host-${String(i % 50)}`,
  };
}

function rwBodies(t: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let b = 0; b < SERIES / SAMPLES_PER_REQUEST; b++) {
    const series = Array.from({ length: SAMPLES_PER_REQUEST }, (_, k) => {
      const i = b * SAMPLES_PER_REQUEST + k;
      const s = seriesOf(i);
      return {
        labels: { __name__: s.counter ? `${s.name}_total` : s.name, instance: s.instance, shard: String(i) },
        samples: [{ value: (i % 97) + 0.5, timestamp: t }],
      };
    });
    bodies.push(snappy(encodeV1(series)));
  }
  return bodies;
}

function jsonBodies(): string[] {
  const bodies: string[] = [];
  for (let b = 0; b < SERIES / SAMPLES_PER_REQUEST; b++) {
    const metrics = Array.from({ length: SAMPLES_PER_REQUEST }, (_, k) => {
      const i = b * SAMPLES_PER_REQUEST + k;
      const s = seriesOf(i);
      return {
        name: `${s.name}_json`,
        type: s.counter ? 'counter' : 'gauge',
        value: (i % 97) + 0.5,
        labels: { instance: s.instance, shard: String(i) },
      };
    });
    bodies.push(JSON.stringify({ metrics }));
  }
  return bodies;
}

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function medians(rounds: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(rounds[0] ?? {})) {
    const sorted = rounds.map((r) => r[key]!).sort((a, b) => a - b);
    out[key] = sorted[Math.floor(sorted.length / 2)]!;
  }
  return out;
}
