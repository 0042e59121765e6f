import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';
import { ADMIN_AUTH, TEST_AUTH_ENV } from '../support/test-app.js';

type Line = Record<string, unknown>;

/** Issue 15, item 13: one log line per request (Fastify wrote two), in the JSON Promtail parses. */
describe('request logging', () => {
  const lines: Line[] = [];
  let dir: string;
  let services: Services;
  let app: FastifyInstance;
  let log: pino.Logger;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-request-log-'));
    const config = loadConfig({
      ...TEST_AUTH_ENV,
      DATA_DIR: dir,
      SYSTEM_COLLECT_INTERVAL: '0',
      APPLICATION_COLLECT_INTERVAL: '0',
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
        done();
      },
    });
    // What main.ts builds: pino at LOG_LEVEL (info by default), JSON lines.
    log = pino({ level: 'info', base: { service: 'metrics-service' } }, sink);
    services = await createServices(config, log);
    app = await buildApp(services, { logger: log });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    app.inject({ method, url, headers: ADMIN_AUTH, ...(payload === undefined ? {} : { payload }) });

  it('writes exactly one info line per API request, with what Promtail and a reader need', async () => {
    const before = lines.length;
    const requests = 30;
    for (let i = 0; i < requests / 3; i++) {
      assert.equal(
        (await call('POST', '/api/metrics/custom', { name: 'logged_total', value: i })).statusCode,
        200,
      );
      assert.equal((await call('GET', '/api/metrics/summary')).statusCode, 200);
      assert.equal((await call('GET', '/api/health/services/nothing')).statusCode, 404);
    }
    const written = lines.slice(before);
    assert.equal(written.length, requests, written.map((l) => l.msg).join('\n'));
    for (const line of written) {
      assert.equal(line.msg, 'request completed');
      assert.equal(line.level, 30, 'info, as a number: Promtail maps 30 to info');
      assert.equal(line.service, 'metrics-service');
      assert.equal(typeof line.reqId, 'string', 'Promtail reads reqId into req_id');
      assert.equal(typeof line.durationMs, 'number');
      assert.equal(typeof line.time, 'number');
    }
    assert.deepEqual(
      [written[0]!.method, written[0]!.route, written[0]!.path, written[0]!.status],
      ['POST', '/api/metrics/custom', '/api/metrics/custom', 200],
    );
    const refused = written[2]!;
    assert.deepEqual(
      [refused.route, refused.path, refused.status, refused.code],
      ['/api/health/services/:name', '/api/health/services/nothing', 404, 'service_not_found'],
    );
    assert.equal(typeof refused.detail, 'string');
  });

  it('a refused request is still one line, naming the problem code and field', async () => {
    const before = lines.length;
    const r = await call('POST', '/api/metrics/custom', { name: 'bad name', value: 1 });
    assert.equal(r.statusCode, 422);
    const written = lines.slice(before);
    assert.equal(written.length, 1);
    assert.equal(written[0]!.code, r.json<{ code: string }>().code);
    assert.equal(written[0]!.field, 'name');
  });

  it('polled routes answered fine (probes, scrapes) log at debug; unknown routes at info', async () => {
    const before = lines.length;
    for (let i = 0; i < 10; i++) {
      assert.equal((await call('GET', '/health')).statusCode, 200);
      assert.equal((await call('GET', '/ready')).statusCode, 200);
      assert.equal((await call('GET', '/metrics')).statusCode, 200);
    }
    assert.equal(lines.length, before, 'nothing at info for 30 probes and scrapes');
    assert.equal((await call('GET', '/nowhere?token=secret')).statusCode, 404);
    const [unknown] = lines.slice(before);
    assert.deepEqual([unknown?.route, unknown?.path, unknown?.status], [null, '/nowhere', 404]);
    assert.ok(!JSON.stringify(unknown).includes('secret'), 'the query string is not logged');

    log.level = 'debug';
    try {
      const atDebug = lines.length;
      await call('GET', '/health');
      const [probe] = lines.slice(atDebug);
      assert.deepEqual([probe?.level, probe?.route, probe?.status], [20, '/health', 200]);
      assert.equal(lines.length, atDebug + 1);
    } finally {
      log.level = 'info';
    }
  });
});
