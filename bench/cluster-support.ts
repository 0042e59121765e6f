import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** user + system CPU seconds of a process so far (/proc/<pid>/stat); 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const path = `/proc/${String(pid)}/stat`;
  if (!existsSync(path)) return 0;
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function median(values: readonly number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * The PostgreSQL server processes serving one database (pg_stat_activity): their CPU is part of what a
 * sample costs in the scaled-out mode. The server is local to the bench host, so /proc shows them.
 */
export async function backendPids(adminUrl: string, database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

/**
 * CPU seconds of a set of processes so far. A process that exits counts 0 afterwards: for processes that
 * come and go (PostgreSQL backends of a pool) use `cpuSince`.
 */
export function totalCpu(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds per process now, to diff with `cpuSince`. */
export function cpuByPid(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
}

/**
 * CPU seconds spent since `before` by the processes `now` (backends started meanwhile count whole; one
 * that ended meanwhile is lost, hence a fresh pid list right after the work).
 */
export function cpuSince(before: ReadonlyMap<number, number>, now: readonly number[]): number {
  return now.reduce((sum, pid) => sum + Math.max(0, cpuSeconds(pid) - (before.get(pid) ?? 0)), 0);
}
