import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { missingBinaries, skipUnlessBinaries } from '../support/binaries.js';

const ROOT = resolve('.');
const NOT_INSTALLED = { binary: 'metrics-service-no-such-binary', debianPackage: 'no-such-package' };

/** Runs `fn` with CI set to `value` (or unset), restoring it after. */
function withCi<T>(value: string | undefined, fn: () => T): T {
  const before = process.env.CI;
  if (value === undefined) delete process.env.CI;
  else process.env.CI = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.CI;
    else process.env.CI = before;
  }
}

describe('a fresh machine: missing binaries, the build stamp, optional modules', () => {
  it('names the missing binary and its Debian package; skips outside CI, fails in CI', () => {
    assert.equal(missingBinaries([{ binary: 'sh', debianPackage: 'dash' }]), undefined);
    const message = missingBinaries([NOT_INSTALLED]);
    assert.match(message ?? '', /metrics-service-no-such-binary not found: apt-get install no-such-package/);
    assert.equal(
      withCi(undefined, () => skipUnlessBinaries([NOT_INSTALLED])),
      message,
    );
    assert.throws(() => withCi('true', () => skipUnlessBinaries([NOT_INSTALLED])), /apt-get install/);
  });

  it('skips the whole stack suite, exporters never spawned, on a PATH without them (it crashed with ENOENT)', () => {
    // A PATH holding node and sh only: none of the Prometheus binaries.
    const bin = mkdtempSync(join(tmpdir(), 'fresh-path-'));
    try {
      symlinkSync(process.execPath, join(bin, 'node'));
      symlinkSync('/bin/sh', join(bin, 'sh'));
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
      delete env.CI;
      delete env.NODE_TEST_CONTEXT; // a test run of its own, reporting on stdout
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/deploy/stack.test.ts'],
        { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.doesNotMatch(run.stdout + run.stderr, /ENOENT/);
      assert.match(
        run.stdout,
        /prometheus-postgres-exporter.*not found: apt-get install .*prometheus-postgres-exporter/,
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('rebuilds only when an input changed, and after a failed build', () => {
    // The script in a scratch project whose "npm run build" (npm_execpath) counts its runs.
    const dir = mkdtempSync(join(tmpdir(), 'fresh-build-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
      writeFileSync(
        join(dir, 'fake-npm.cjs'),
        `const fs = require('node:fs');
         fs.appendFileSync('builds', 'x');
         if (fs.existsSync('fail')) process.exit(2);
         for (const f of ['dist/main.js', 'dist/serve.bundle.js', 'dist/app.js', 'dist/cjs/package.json', 'dist/web/app.js',
                          'packages/client/dist/esm/index.js', 'packages/client/dist/cjs/package.json']) {
           fs.mkdirSync(require('node:path').dirname(f), { recursive: true });
           fs.writeFileSync(f, '');
         }`,
      );
      const script = join(ROOT, 'scripts/build-if-changed.mjs');
      const start = (): number => {
        const run = spawnSync(process.execPath, [script], {
          cwd: dir,
          env: { ...process.env, npm_execpath: join(dir, 'fake-npm.cjs') },
          encoding: 'utf8',
        });
        return run.status ?? -1;
      };
      const builds = (): number => readFileSync(join(dir, 'builds'), 'utf8').length;
      assert.equal(start(), 0);
      assert.equal(builds(), 1, 'the first start builds');
      assert.equal(start(), 0);
      assert.equal(builds(), 1, 'nothing changed: no build');
      writeFileSync(join(dir, 'src/a.ts'), 'export const a = 2;\n');
      writeFileSync(join(dir, 'fail'), '');
      assert.equal(start(), 2, 'a failed build stops the start');
      rmSync(join(dir, 'fail'));
      assert.equal(start(), 0);
      assert.equal(builds(), 3, 'a source changed and the last build failed: build again');
      assert.equal(start(), 0);
      assert.equal(builds(), 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts without loading the optional modules it does not use (Redis, email, tracing)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fresh-lazy-'));
    try {
      const script = `
        const { loadConfig } = await import('./src/config/config.ts');
        const { createServices } = await import('./src/services.ts');
        const { buildApp } = await import('./src/app.ts');
        const { pino } = await import('pino');
        const config = loadConfig({ DATA_DIR: ${JSON.stringify(dataDir)}, ADMIN_PASSWORD: 'fresh-machine-password' });
        const services = await createServices(config, pino({ level: 'silent' }));
        const app = await buildApp(services);
        await app.ready();
        await app.close();
        await services.close();`;
      // NODE_DEBUG=esm logs every module the loader stores, CommonJS packages imported from ESM included.
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        env: { ...process.env, NODE_DEBUG: 'esm' },
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 512 * 1024 * 1024,
      });
      assert.equal(run.status, 0, run.stderr.slice(-2000));
      assert.match(run.stderr, /node_modules\/fastify\//, 'the module log is there');
      const optional =
        /node_modules\/(ioredis|nodemailer|@opentelemetry\/sdk-trace-node|@opentelemetry\/exporter-trace-otlp-http)\//;
      const loaded = run.stderr.split('\n').filter((line) => optional.test(line));
      assert.deepEqual(loaded.slice(0, 3), []);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
