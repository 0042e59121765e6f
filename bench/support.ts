import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createServices, type Services } from '../src/services.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `metrics-bench-${prefix}-`));
}

/** The admin token of bench services: benches measure the API as clients use it, authenticated. */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef-not-secret';
export const BENCH_AUTH = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } as const;

export async function benchServices(
  env: Record<string, string> = {},
): Promise<{ services: Services; dir: string }> {
  const dir = tempDir('svc');
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    CHECKPOINT_INTERVAL_MS: '3600000',
    SYSTEM_COLLECT_INTERVAL: '0',
    APPLICATION_COLLECT_INTERVAL: '0',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    ADMIN_PASSWORD: 'bench-root-password-1234',
    RATE_LIMIT_MAX: '10000000',
    ...env,
  });
  return { services: await createServices(config, pino({ level: 'silent' })), dir };
}

/** Deterministic pseudo-random numbers, so every run measures the same data. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function report(name: string, figures: Record<string, string | number>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`);
  process.stdout.write(`${name}: ${parts.join('  ')}\n`);
}

/** The base URL of a bench server started as a child process, once it prints `listening <port>`. */
export async function listeningAt(stdout: Readable): Promise<string> {
  let output = '';
  stdout.setEncoding('utf8');
  while (!/listening \d+/.test(output)) {
    const [chunk] = (await once(stdout, 'data')) as [string];
    output += chunk;
  }
  return `http://127.0.0.1:${/listening (\d+)/.exec(output)![1]!}`;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}
