import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../../../test/support/binaries.js';
import { startExample } from '../../../test/support/examples.js';
import { installApp, packClient, PACKAGE_DIR, type PackedApp } from './support/packed-app.js';

/** prom-client and its own dependencies: all an app gets from this package. */
const OWN_TREE = ['@metrics-service/client', '@opentelemetry/api', 'bintrees', 'prom-client', 'tdigest'];

/** One server per framework and module system, as a user writes it against the installed tarball. */
const SERVERS: Record<string, Record<string, string>> = {
  express: {
    'server.cjs': `const express = require('express');
const { metricsMiddleware } = require('@metrics-service/client/express');
const app = express();
app.use(metricsMiddleware({ prefix: 'shop_' }));
app.get('/orders/:id', (req, res) => res.json({ id: req.params.id }));
const server = app.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
`,
    'server.mjs': `import express from 'express';
import { metricsMiddleware } from '@metrics-service/client/express';
const app = express();
app.use(metricsMiddleware({ prefix: 'shop_' }));
app.get('/orders/:id', (req, res) => res.json({ id: req.params.id }));
const server = app.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
`,
  },
  fastify: {
    'server.cjs': `const Fastify = require('fastify');
const { metricsPlugin } = require('@metrics-service/client/fastify');
const app = Fastify();
app.register(metricsPlugin, { prefix: 'shop_' }).after(() => {
  app.get('/orders/:id', async (request) => ({ id: request.params.id }));
});
app.listen({ host: '127.0.0.1', port: 0 }).then(() => console.log('listening ' + app.server.address().port));
`,
    'server.mjs': `import Fastify from 'fastify';
import metricsPlugin from '@metrics-service/client/fastify';
const app = Fastify();
await app.register(metricsPlugin, { prefix: 'shop_' });
app.get('/orders/:id', async (request) => ({ id: request.params.id }));
await app.listen({ host: '127.0.0.1', port: 0 });
console.log('listening ' + app.server.address().port);
`,
  },
};

/** What a TypeScript app compiles against each entry point, from ESM and from CommonJS. */
const TYPED_USE = `
import { MetricsClient, type MetricsClientOptions } from '@metrics-service/client/push';
import { HttpRecorder } from '@metrics-service/client';
const options: MetricsClientOptions = { url: 'http://metrics-service:3000', token: 'x', logger: false };
export const client: MetricsClient = new MetricsClient(options);
export const recorder = new HttpRecorder({ statusCodes: 'class' });
`;
const TYPED_USE_OF: Record<string, string> = {
  express: `import { metricsMiddleware } from '@metrics-service/client/express';
export const middleware = metricsMiddleware({ prefix: 'shop_', defaultMetrics: 'all' });`,
  fastify: `import { metricsPlugin, type MetricsOptions } from '@metrics-service/client/fastify';
export const plugin = metricsPlugin;
export const pluginOptions: MetricsOptions = { path: false };`,
};

function tsc(dir: string, args: readonly string[]): void {
  const typescript = join(PACKAGE_DIR, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  const typeRoots = join(PACKAGE_DIR, '..', '..', 'node_modules', '@types');
  const result = spawnSync(
    process.execPath,
    [typescript, '--noEmit', '--strict', '--types', 'node', '--typeRoots', typeRoots, ...args],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `tsc ${args.join(' ')}: ${result.stdout}${result.stderr}`);
}

describe('the packed tarball, installed into new apps', () => {
  const work = mkdtempSync(join(tmpdir(), 'metrics-client-packed-'));
  let tarball: string;
  before(() => {
    tarball = packClient(work);
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('brings prom-client and its dependencies only', () => {
    const app = installApp(join(work, 'bare'), tarball, []);
    console.log(
      `alone: ${String(app.packages.length)} packages, ${kilobytes(app)} kB: ${app.packages.join(' ')}`,
    );
    assert.deepEqual(app.packages, OWN_TREE);
  });

  for (const framework of ['express', 'fastify']) {
    it(`${framework}: CommonJS and ESM servers whose /metrics promtool accepts, and types for both`, async (t) => {
      const app = installApp(join(work, framework), tarball, [framework]);
      console.log(`${framework} app: ${String(app.packages.length)} packages, ${kilobytes(app)} kB`);
      assert.deepEqual(
        OWN_TREE.filter((name) => !app.packages.includes(name)),
        [],
      );
      for (const [file, source] of Object.entries(SERVERS[framework]!)) {
        writeFileSync(join(app.dir, file), source);
        const text = await scrape(join(app.dir, file));
        assert.ok(
          text.includes('shop_http_requests_total{method="GET",route="/orders/:id",status_code="200"} 1'),
          `${file}: the request is not counted by its route:\n${text.slice(0, 2000)}`,
        );
        if (requireBinary(t, 'promtool', 'prometheus')) {
          const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
          assert.equal(check.status, 0, `${file}: promtool check metrics: ${check.stdout}${check.stderr}`);
        }
      }
      writeFileSync(join(app.dir, 'typed.mts'), `${TYPED_USE}${TYPED_USE_OF[framework]!}\n`);
      writeFileSync(join(app.dir, 'typed.cts'), `${TYPED_USE}${TYPED_USE_OF[framework]!}\n`);
      tsc(app.dir, ['--module', 'nodenext', 'typed.mts', 'typed.cts']);
      // A CommonJS app on TypeScript's older resolution (NestJS' default tsconfig), through typesVersions.
      writeFileSync(join(app.dir, 'typed-node10.ts'), `${TYPED_USE}${TYPED_USE_OF[framework]!}\n`);
      tsc(app.dir, [
        '--module',
        'commonjs',
        '--moduleResolution',
        'node10',
        '--esModuleInterop',
        'typed-node10.ts',
      ]);
    });
  }
});

/** Starts a server file, requests a route once, and returns its /metrics text. */
async function scrape(file: string): Promise<string> {
  const { child, url } = await startExample(file);
  try {
    assert.equal((await fetch(`${url}/orders/7`)).status, 200);
    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 200);
    return await response.text();
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

function kilobytes(app: PackedApp): string {
  return (app.bytes / 1000).toFixed(0);
}
