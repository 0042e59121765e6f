import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { requireBinary } from '../support/binaries.js';
import { freePort } from '../support/child-service.js';

const COMPOSE = join('deploy', 'compose.yaml');
const SECRETS = {
  ADMIN_PASSWORD: 'a-long-admin-password',
  JWT_SECRET: 'x'.repeat(40),
  GF_SECURITY_ADMIN_PASSWORD: 'grafana-password',
  POSTGRES_PASSWORD: 'stack-pg-password',
  REDIS_PASSWORD: 'stack-redis-password',
};

/** One service's environment as `docker compose` resolves it from deploy/.env's variables. */
function composeEnvironment(service: string, env: Record<string, string>): Record<string, string> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !['DATA_SOURCE_NAME', 'REDIS_ADDR', 'REDIS_EXPORTER_PASSWORD'].includes(name),
    ),
  );
  const result = spawnSync('docker-compose', ['-f', COMPOSE, 'config'], {
    encoding: 'utf8',
    env: { ...clean, ...SECRETS, ...env },
  });
  assert.equal(result.status, 0, result.stderr);
  const config = parse(result.stdout) as {
    services: Record<string, { environment: Record<string, string> }>;
  };
  return config.services[service]!.environment;
}

/** Runs a real exporter with this environment and returns the value of `metric` on its first scrape. */
async function exporterReading(binary: string, env: Record<string, string>, metric: string): Promise<string> {
  const port = await freePort();
  const child = spawn(binary, [`--web.listen-address=127.0.0.1:${String(port)}`], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
        const value = new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1];
        if (value !== undefined) return value;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${binary} never reported ${metric}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    child.kill('SIGTERM');
  }
}

describe("deploy/.env points the exporters at the application's databases (Tumulte seed)", () => {
  it('postgres-exporter: DATA_SOURCE_NAME when set, the stack PostgreSQL when empty', async (ctx) => {
    if (!requireBinary(ctx, 'docker-compose', 'docker-compose')) return;
    if (!requireBinary(ctx, 'prometheus-postgres-exporter', 'prometheus-postgres-exporter')) return;
    const stack = composeEnvironment('postgres-exporter', {});
    assert.deepEqual(stack, {
      DATA_SOURCE_NAME: '',
      DATA_SOURCE_URI: 'postgres:5432/metrics?sslmode=disable',
      DATA_SOURCE_USER: 'metrics',
      DATA_SOURCE_PASS: 'stack-pg-password',
    });
    // The stack's own, with the compose host name and user swapped for this machine's PostgreSQL.
    const local = {
      ...stack,
      DATA_SOURCE_URI: '127.0.0.1:5432/postgres?sslmode=disable',
      DATA_SOURCE_USER: 'postgres',
    };
    assert.equal(await exporterReading('prometheus-postgres-exporter', local, 'pg_up'), '1');

    const application = composeEnvironment('postgres-exporter', {
      DATA_SOURCE_NAME: 'postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable',
    });
    assert.equal(
      application.DATA_SOURCE_NAME,
      'postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable',
    );
    // DATA_SOURCE_NAME wins over the stack's URI (which does not resolve here).
    assert.equal(await exporterReading('prometheus-postgres-exporter', application, 'pg_up'), '1');
  });

  it('redis-exporter: REDIS_ADDR and REDIS_EXPORTER_PASSWORD when set, the stack Redis when empty', async (ctx) => {
    if (!requireBinary(ctx, 'docker-compose', 'docker-compose')) return;
    if (!requireBinary(ctx, 'prometheus-redis-exporter', 'prometheus-redis-exporter')) return;
    assert.deepEqual(
      composeEnvironment('redis-exporter', { REDIS_EXPORTER_PASSWORD: 'stack-redis-password' }),
      {
        REDIS_ADDR: 'redis://redis:6379',
        REDIS_PASSWORD: 'stack-redis-password',
      },
    );
    const application = composeEnvironment('redis-exporter', { REDIS_ADDR: 'redis://127.0.0.1:6379' });
    assert.deepEqual(application, { REDIS_ADDR: 'redis://127.0.0.1:6379', REDIS_PASSWORD: '' });
    assert.equal(await exporterReading('prometheus-redis-exporter', application, 'redis_up'), '1');
  });
});
