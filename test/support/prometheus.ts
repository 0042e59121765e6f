import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './child-service.js';

export interface RunningPrometheus {
  url: string;
  /** Instant query through the HTTP API: each result's labels and value. */
  query: (promql: string) => Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  log: () => string;
  /** False once the process has exited: a caller polling it can stop waiting at once. */
  alive: () => boolean;
  stop: () => Promise<void>;
}

export interface PrometheusOptions {
  /** Alerting rules (the `groups:` YAML of a rule file), evaluated every second. */
  rules?: string;
  /** host:port of an Alertmanager to send alerts to. */
  alertmanager?: string;
  /** Bearer tokens by job name (Prometheus's `authorization` scrape setting), for METRICS_AUTH targets. */
  tokens?: Record<string, string>;
}

/**
 * The real `prometheus` binary scraping the given targets and evaluating rules every second, in its own
 * temporary directory.
 */
export async function startPrometheus(
  jobs: Record<string, string>,
  options: PrometheusOptions = {},
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-it-'));
  const port = await freePort();
  const scrapes = Object.entries(jobs)
    .map(([job, target]) => {
      const token = options.tokens?.[job];
      const auth = token === undefined ? '' : `    authorization:\n      credentials: '${token}'\n`;
      return `  - job_name: ${job}\n${auth}    static_configs:\n      - targets: ['${target}']\n`;
    })
    .join('');
  let config = `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${scrapes}`;
  if (options.rules !== undefined) {
    writeFileSync(join(dir, 'rules.yml'), options.rules);
    config += `rule_files:\n  - ${join(dir, 'rules.yml')}\n`;
  }
  if (options.alertmanager !== undefined)
    config += `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['${options.alertmanager}']\n`;
  writeFileSync(join(dir, 'prometheus.yml'), config);
  return runPrometheus(dir, port);
}

/**
 * The real `prometheus` on a directory already holding its `prometheus.yml` (and whatever it refers to),
 * listening on `port`; the directory is deleted on stop.
 */
export function runPrometheus(dir: string, port: number): RunningPrometheus {
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  // A binary that cannot start (ENOENT, EACCES) fails the test through its log, not the runner.
  child.on('error', (error) => (log += `cannot start: ${error.message}\n`));
  const url = `http://127.0.0.1:${String(port)}`;
  return {
    url,
    query: async (promql) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (!response.ok) return [];
      const body = (await response.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result;
    },
    log: () => log,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls `probe` every 250 ms until it returns something, or `timeoutMs` passes. */
export async function poll<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}
