import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * Integration suites need real binaries (prometheus, promtool…) and servers (PostgreSQL, Redis). Outside CI
 * a missing one skips the test with a line naming what to install or start; in CI (CI=true) it fails, so a
 * broken install step cannot pass silently. `.ci/run` installs and starts everything (scripts/system-deps.sh).
 */
const inCi = (): boolean => process.env.CI === 'true';

/** A binary looked up on PATH, and the Debian package that ships it. */
export interface Binary {
  binary: string;
  debianPackage: string;
}

function onPath(binary: string): boolean {
  return spawnSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', binary], { encoding: 'utf8' }).status === 0;
}

/** One line naming every missing binary and the packages to install, or undefined when all are there. */
export function missingBinaries(binaries: readonly Binary[]): string | undefined {
  const missing = binaries.filter((b) => !onPath(b.binary));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map((b) => b.debianPackage))].join(' ');
  return `${missing.map((b) => b.binary).join(', ')} not found: apt-get install ${packages} (or run .ci/run as root)`;
}

/**
 * For a suite whose `before` hook starts the binaries: the reason to give `describe(…, { skip })` outside CI
 * when one is missing. In CI it throws at load time, failing the file with the same line.
 */
export function skipUnlessBinaries(binaries: readonly Binary[]): string | false {
  const message = missingBinaries(binaries);
  if (message === undefined) return false;
  if (inCi()) throw new Error(message);
  return message;
}

/** For a single test: true when the binary is there; otherwise skips it (outside CI) or fails it (in CI). */
export function requireBinary(t: TestContext, binary: string, debianPackage: string): boolean {
  const message = missingBinaries([{ binary, debianPackage }]);
  if (message === undefined) return true;
  if (inCi()) throw new Error(message);
  t.skip(message);
  return false;
}

/** A server the suites reach on the loopback, and how to get one. */
export interface LocalServer {
  name: string;
  port: number;
  hint: string;
}

export const POSTGRES: LocalServer = {
  name: 'PostgreSQL',
  port: 5432,
  hint: 'apt-get install postgresql, start it, and trust 127.0.0.1 for user postgres in pg_hba.conf',
};
export const REDIS: LocalServer = {
  name: 'Redis',
  port: 6379,
  hint: 'apt-get install redis-server and start it',
};

export const MARIADB: LocalServer = {
  name: 'MariaDB',
  port: 3306,
  hint: 'apt-get install mariadb-server and start it (scripts/system-deps.sh does both)',
};

const CONNECT_TIMEOUT_MS = 1000;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** One line naming every server not listening on 127.0.0.1 and what to do, or undefined when all answer. */
export async function missingServers(servers: readonly LocalServer[]): Promise<string | undefined> {
  const down: LocalServer[] = [];
  for (const server of servers) if (!(await listening(server.port))) down.push(server);
  if (down.length === 0) return undefined;
  return down.map((s) => `${s.name} not reachable on 127.0.0.1:${String(s.port)}: ${s.hint}`).join('; ');
}

/** For a single test: true when the servers answer; otherwise skips it (outside CI) or fails it (in CI). */
export async function requireServers(t: TestContext, ...servers: LocalServer[]): Promise<boolean> {
  const message = await missingServers(servers);
  if (message === undefined) return true;
  if (inCi()) throw new Error(message);
  t.skip(message);
  return false;
}

/** skipUnlessBinaries for servers: the reason to skip a whole suite outside CI; in CI it throws. */
export async function skipUnlessServers(servers: readonly LocalServer[]): Promise<string | false> {
  const message = await missingServers(servers);
  if (message === undefined) return false;
  if (inCi()) throw new Error(message);
  return message;
}
