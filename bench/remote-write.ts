import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startChildService } from '../test/support/child-service.js';
import { freePort } from '../test/support/child-service.js';
import { poll } from '../test/support/prometheus.js';
import { V1_HEADERS } from '../test/support/remote-write.js';
import { ADMIN_AUTH } from '../test/support/test-app.js';
import {
  jsonBatchSource,
  remoteWriteSource,
  SAMPLES_PER_REQUEST,
  type BodySource,
} from './remote-write-bodies.js';
import { report, tempDir } from './support.js';

const TICKS_PER_SECOND = 100;

/**
 * The same 10,000 series (20 metrics, half counters) sent as remote write 1.0 and as the JSON batch to the
 * service (child process), and as remote write to the real prometheus (--web.enable-remote-write-receiver),
 * in the same run: samples/s and server CPU µs per sample, median of the rounds. Every request carries fresh
 * timestamps (a steady sender: no duplicate or out-of-order work) and a warm-up pass, not counted, first
 * creates the series in each target.
 * Targets: remote write ≥ 1.5× the JSON batch; ≥ 0.5 of Prometheus' receiver.
 */
export async function benchRemoteWrite(
  seconds = Number(process.env.BENCH_RW_SECONDS ?? 5),
  rounds = Number(process.env.BENCH_RW_ROUNDS ?? 3),
): Promise<void> {
  const dir = tempDir('remote-write');
  // BENCH_RW_CPU_PROFILE=<dir>: the service writes a V8 CPU profile there when it stops.
  const profileDir = process.env.BENCH_RW_CPU_PROFILE;
  const profiling: Record<string, string> =
    profileDir === undefined
      ? {}
      : {
          NODE_OPTIONS: `--import=${join(import.meta.dirname, 'cpu-profile-preload.mjs')}`,
          CPU_PROFILE_DIR: profileDir,
        };
  const service = await startChildService({ DATA_DIR: dir, LOG_LEVEL: 'error', ...profiling }, 180_000);
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
    const pid = service.child.pid!;
    const rwAuth = { ...V1_HEADERS, ...ADMIN_AUTH };
    const jsonHeaders = { 'content-type': 'application/json', ...ADMIN_AUTH };
    // One source per target, so each sees every series' timestamps only increase.
    const serviceRw = remoteWriteSource();
    const serviceJson = jsonBatchSource();
    const promRw = remoteWriteSource();
    // Warm-up, not counted: creates the 10,000 series in each target (and lets V8 optimise the paths).
    await measure(service.url, '/api/v1/write', rwAuth, serviceRw, 2);
    await measure(service.url, '/api/metrics/batch', jsonHeaders, serviceJson, 2);
    await measure(promUrl, '/api/v1/write', { ...V1_HEADERS }, promRw, 2);
    const results: Record<string, number>[] = [];
    for (let round = 0; round < rounds; round++) {
      const service_rw = await measure(service.url, '/api/v1/write', rwAuth, serviceRw, seconds, pid);
      const service_json = await measure(
        service.url,
        '/api/metrics/batch',
        jsonHeaders,
        serviceJson,
        seconds,
        pid,
      );
      const prom_rw = await measure(
        promUrl,
        '/api/v1/write',
        { ...V1_HEADERS },
        promRw,
        seconds,
        prometheus.pid,
      );
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
      for (const [leg, answers] of Object.entries({
        remote_write: service_rw.refusals,
        json_batch: service_json.refusals,
        prometheus: prom_rw.refusals,
      })) {
        if (Object.keys(answers).length > 0) console.log(`  refused (${leg}): ${JSON.stringify(answers)}`);
      }
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

/**
 * One load of `seconds` on a target: samples/s accepted and the target's CPU µs per accepted sample (0
 * without a `pid`). Also the remote-write load of bench/remote-write-ab.ts and bench/ingest-flags.ts.
 */
export async function measure(
  url: string,
  path: string,
  headers: Record<string, string>,
  source: BodySource,
  seconds: number,
  pid?: number,
) {
  const before = cpuSeconds(pid);
  // What a refused request answered (status and problem code): a refusal under load is a finding.
  const refusals = new Map<string, number>();
  source.restart();
  const result = await autocannon({
    url: `${url}${path}`,
    connections: 4,
    duration: seconds,
    // Built per request: the next body of the source, whichever connection sends it.
    requests: [
      {
        method: 'POST',
        path,
        headers,
        // The context is this request's (autocannon starts a new one per request): it carries the shard.
        setupRequest: (request, context: { shard?: number }) => {
          const { body, shard } = source.next();
          context.shard = shard;
          return { ...request, body };
        },
        onResponse: (status, body, context: { shard?: number }) => {
          if (context.shard !== undefined) source.answered(context.shard);
          if (status < 300) return;
          const key = `${String(status)} ${answerCode(body)}`;
          refusals.set(key, (refusals.get(key) ?? 0) + 1);
        },
      },
    ],
  });
  const samples = result['2xx'] * SAMPLES_PER_REQUEST;
  const cpu = cpuSeconds(pid) - before;
  return {
    perS: samples / seconds,
    cpuUs: samples === 0 ? 0 : (cpu * 1e6) / samples,
    non2xx: result.non2xx,
    refusals: Object.fromEntries(refusals),
  };
}

/** The problem+json answer's code, or the start of any other body (Prometheus answers in plain text). */
function answerCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    if (typeof parsed.code === 'string') return parsed.code;
  } catch {
    // not JSON
  }
  return body.slice(0, 120).trim();
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
