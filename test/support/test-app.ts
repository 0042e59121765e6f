import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';

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
    ...env,
  });
  const log = pino({ level: 'silent' });
  const services = await createServices(config, log);
  const app = await buildApp(services);
  await app.ready();
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
