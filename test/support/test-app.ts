import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';

/** ADMIN_TOKEN of every test app and child service: requests act as admin unless they say otherwise. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef-not-secret';
export const TEST_ADMIN_PASSWORD = 'test-root-password-1234';
export const ADMIN_AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } as const;

/** Env of a test service: authentication on (the default) with known admin credentials, no rate limit. */
export const TEST_AUTH_ENV = {
  ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  RATE_LIMIT_MAX: '10000000',
} as const;

/**
 * Gives inject() the admin token unless the request carries its own `authorization` header (an empty one
 * sends none: `headers: { authorization: '' }` is how a test asks as nobody). Feature suites then read
 * like the API calls they test; the security suites say exactly which credential they send.
 */
function injectAsAdmin(app: FastifyInstance): void {
  const inject = app.inject.bind(app);
  const asAdmin = (options: InjectOptions | string) => {
    const opts = typeof options === 'string' ? { url: options } : options;
    const headers = { ...(opts.headers ?? {}) } as Record<string, string>;
    if (!('authorization' in headers)) headers.authorization = ADMIN_AUTH.authorization;
    if (headers.authorization === '') delete headers.authorization;
    return inject({ ...opts, headers });
  };
  (app as unknown as { inject: typeof asAdmin }).inject = asAdmin;
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  dataDir: string;
  /** Closes the app and the services; keeps the data directory (for restart tests). */
  stop: () => Promise<void>;
  /** stop() and delete the data directory. */
  close: () => Promise<void>;
}

/**
 * A real app on a real SQLite file in its own temporary directory. The collectors are off unless a
 * suite turns them on (SYSTEM_COLLECT_INTERVAL, APPLICATION_COLLECT_INTERVAL), so series counts in
 * other suites are their own.
 */
export async function startTestApp(env: Record<string, string> = {}, dataDir?: string): Promise<TestApp> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'metrics-service-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    SYSTEM_COLLECT_INTERVAL: '0',
    APPLICATION_COLLECT_INTERVAL: '0',
    ...TEST_AUTH_ENV,
    ...env,
  });
  const log = pino({ level: 'silent' });
  const services = await createServices(config, log);
  const app = await buildApp(services);
  await app.ready();
  injectAsAdmin(app);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await app.close();
    await services.close();
  };
  return {
    app,
    services,
    dataDir: dir,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
