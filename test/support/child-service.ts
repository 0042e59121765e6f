import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TEST_AUTH_ENV } from './test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Ports this test process handed out already: a child may not have bound its port yet. */
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** Where freePort draws from: registered ports under the ephemeral range, clear of the usual services'. */
const POOL_FIRST = 20_000;
const POOL_END = Math.max(POOL_FIRST + 1000, Math.min(ephemeralStart(), 32_768));

/** Answers whether `port` could be bound on loopback just now (and leaves it free). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * A loopback port nobody listens on, for a child to bind later, never one handed out before in this
 * process. Drawn at random under the kernel's ephemeral range, not from bind(0): the ephemeral range is
 * where bind(0) and every outgoing connection (to PostgreSQL, Redis, the children) take their ports, so
 * a port found there could be taken as a connection's source port, or handed to another process, before
 * the child (seconds later, under load) binds it ("address already in use"; seen in CI when Alertmanager
 * took the port just reserved for Prometheus).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = POOL_FIRST + randomInt(POOL_END - POOL_FIRST);
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
}

/**
 * The node flags the service runs with in production (`npm start`, deploy/Dockerfile's CMD; a test keeps
 * the three in step), so tests and benches measure the process production runs. A 32 MB semi-space (Node
 * 20's default is 16 MB) halves the scavenges of ingest: 10 % less CPU a sample over HTTP in side-by-side
 * runs, for ~35 MB more resident (ADR 0036, bench/ingest-flags.ts).
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=32'] as const;

export interface ChildService {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the real service (src/main.ts, with production's SERVICE_NODE_FLAGS) in a child process and
 * waits until /ready answers. `env` may be a function of the port when a variable names it (a replica's
 * CLUSTER_ADDRESS). The wait is long because tsx compiles the sources at start: on a loaded CI host
 * that alone took over 30 s (durability and postgres-service suites failed on the wait, not on what
 * they test).
 */
export async function startChildService(
  env: Record<string, string> | ((port: number) => Record<string, string>),
  readyTimeoutMs = 90_000,
): Promise<ChildService> {
  const port = await freePort();
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      SYSTEM_COLLECT_INTERVAL: '0',
      APPLICATION_COLLECT_INTERVAL: '0',
      ...TEST_AUTH_ENV,
      ...(typeof env === 'function' ? env(port) : env),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited during start: ${output}`);
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service not ready after ${String(readyTimeoutMs / 1000)} s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url, port, output: () => output, exited };
}
