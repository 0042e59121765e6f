import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startChildService } from '../support/child-service.js';
import { ADMIN_AUTH } from '../support/test-app.js';

/** One replica of the service as its own process (src/main.ts), on a fixed port it advertises. */
export interface ReplicaProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** Starts a replica (a child service with its own data directory, removed on exit) and waits for /ready. */
export async function startReplica(
  name: string,
  env: Record<string, string>,
  readyTimeoutMs = 120_000,
): Promise<ReplicaProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `cluster-${name}-`));
  try {
    const service = await startChildService(
      (port) => ({
        CLUSTER_ADDRESS: `127.0.0.1:${String(port)}`,
        REPLICA_ID: name,
        DATA_DIR: dataDir,
        ...env,
      }),
      readyTimeoutMs,
    );
    const exited = service.exited.then(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });
    return { name, url: service.url, child: service.child, output: service.output, exited };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`replica ${name}: ${(error as Error).message}`);
  }
}

/** The role a replica reports on /ready. */
export async function roleOf(replica: Pick<ReplicaProcess, 'url'>): Promise<string | undefined> {
  try {
    const response = await fetch(`${replica.url}/ready`);
    const body = (await response.json()) as { checks?: { role?: string } };
    return body.checks?.role;
  } catch {
    return undefined;
  }
}

export async function call(
  replica: Pick<ReplicaProcess, 'url'>,
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

/**
 * Starts the first replica alone (it takes the lease) and the others together, pushing each one started
 * into `into` so the caller's cleanup finds it even when another failed to start (then this throws).
 */
export async function startReplicaSet(
  into: ReplicaProcess[],
  names: readonly string[],
  env: () => Record<string, string>,
): Promise<void> {
  const [first, ...rest] = names;
  if (first !== undefined) into.push(await startReplica(first, env()));
  const joined = await Promise.allSettled(rest.map((name) => startReplica(name, env())));
  for (const result of joined) if (result.status === 'fulfilled') into.push(result.value);
  for (const result of joined) if (result.status === 'rejected') throw result.reason;
}

/** kill -9 of every replica still running, and waits for each to be gone (its data directory removed). */
export async function killReplicas(replicas: readonly ReplicaProcess[]): Promise<void> {
  for (const r of replicas)
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
}
