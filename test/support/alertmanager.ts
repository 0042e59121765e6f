import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './child-service.js';
import { poll } from './prometheus.js';

export interface RunningAlertmanager {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * The real `prometheus-alertmanager` binary routing every alert to one webhook, with the shortest sane
 * timings (no group wait, 1 s group interval), clustering off, in its own temporary directory.
 */
export async function startAlertmanager(webhookUrl: string): Promise<RunningAlertmanager> {
  return runAlertmanager(
    [
      'route:',
      '  receiver: hook',
      "  group_by: ['alertname']",
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
}

/** The real `prometheus-alertmanager` with this configuration, in its own temporary directory. */
export async function runAlertmanager(config: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-it-'));
  const port = await freePort();
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  // A binary that cannot start (ENOENT, EACCES) fails the test through its log, not the runner.
  child.on('error', (error) => (log += `cannot start: ${error.message}\n`));
  const url = `http://127.0.0.1:${String(port)}`;
  const ready = await poll(async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 15_000);
  if (ready === undefined) {
    child.kill('SIGKILL');
    throw new Error(`alertmanager did not become ready:\n${log}`);
  }
  return {
    url,
    log: () => log,
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
