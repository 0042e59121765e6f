import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/child-service.js';
import { ADMIN_AUTH, TEST_AUTH_ENV } from '../support/test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One replica of the service as its own process (src/main.ts), on a fixed port it advertises. */
export interface ReplicaProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** Starts a replica and waits for /ready (any role). */
export async function startReplica(
  name: string,
  env: Record<string, string>,
  readyTimeoutMs = 40_000,
): Promise<ReplicaProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `cluster-${name}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      CLUSTER_ADDRESS: `127.0.0.1:${String(port)}`,
      REPLICA_ID: name,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SYSTEM_COLLECT_INTERVAL: '0',
      APPLICATION_COLLECT_INTERVAL: '0',
      ...TEST_AUTH_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve();
    });
  });
  const url = `http://127.0.0.1:${String(port)}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica ${name} exited during start: ${output}`);
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`replica ${name} not ready after ${String(readyTimeoutMs)} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, url, child, output: () => output, exited };
}

/** The role a replica reports on /ready. */
export async function roleOf(replica: ReplicaProcess): Promise<string | undefined> {
  try {
    const response = await fetch(`${replica.url}/ready`);
    const body = (await response.json()) as { checks?: { role?: string } };
    return body.checks?.role;
  } catch {
    return undefined;
  }
}

export async function call(
  replica: ReplicaProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${replica.url}${path}`, {
    method,
    headers: { ...ADMIN_AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}
