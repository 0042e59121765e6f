import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { freePort } from '../test/support/child-service.js';
import { BENCH_ADMIN_TOKEN, tempDir } from './support.js';

/** A service a side-by-side ingest bench loads: its checkout, the flags node ran it with, its figures. */
export interface IngestTarget {
  name: string;
  root: string;
  child: ChildProcess;
  url: string;
  dir: string;
  /** Server CPU µs per accepted sample, one entry per measured round. */
  cpu: number[];
  /** The main thread's share of `cpu` (the rest: V8's GC and compiler threads, libuv's pool). */
  mainCpu: number[];
  /** Minor page faults per 1,000 accepted samples, one entry per measured round. */
  faults: number[];
  /** Resident set (VmRSS, MB) right after each measured round. */
  rss: number[];
}

/** /proc counts CPU time in clock ticks; Linux exposes USER_HZ = 100 to user space. */
const TICKS_PER_SECOND = 100;

/**
 * Starts the service of the checkout at `root` (src/main.ts through tsx, as the ingest bench does) with
 * `nodeFlags` before the script, on its own port and data directory, and waits until /ready answers.
 */
export async function startIngestTarget(
  name: string,
  root: string,
  nodeFlags: readonly string[] = [],
): Promise<IngestTarget> {
  const dir = tempDir('ingest-ab');
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      DATA_DIR: dir,
      SYSTEM_COLLECT_INTERVAL: '0',
      APPLICATION_COLLECT_INTERVAL: '0',
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      ADMIN_PASSWORD: 'bench-root-password-1234',
      RATE_LIMIT_MAX: '10000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${String(port)}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service ${name} (${root}) exited during start`);
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the service ${name} (${root}) was not ready after 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, root, child, url, dir, cpu: [], mainCpu: [], faults: [], rss: [] };
}

/** Stops the service and removes its data directory. */
export async function stopIngestTarget(target: IngestTarget): Promise<void> {
  target.child.kill('SIGTERM');
  if (target.child.exitCode === null) await new Promise((resolve) => target.child.once('exit', resolve));
  rmSync(target.dir, { recursive: true, force: true });
}

/** The fields of a /proc stat file after the command name (which may hold spaces): index 0 is field 3. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU seconds of one thread (fields 14 and 15 of /proc/<pid>/task/<tid>/stat). */
export function threadCpuSeconds(pid: number, tid: number): number {
  const fields = statFields(`/proc/${String(pid)}/task/${String(tid)}/stat`);
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Minor page faults of a process so far, all its threads (field 10 of /proc/<pid>/stat). */
export function minorFaults(pid: number): number {
  return Number(statFields(`/proc/${String(pid)}/stat`)[7]);
}

/** A line of /proc/<pid>/status in MB (`VmRSS`: resident now, `VmHWM`: the most resident so far). */
export function statusMegabytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/${String(pid)}/status`);
  return Number(match[1]) / 1024;
}
