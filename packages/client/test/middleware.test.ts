import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect, type AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import { metricsMiddleware } from '../src/express.js';
import { metricsPlugin } from '../src/fastify.js';
import { MetricsModule } from '../src/nestjs.js';
import { requireBinary } from '../../../test/support/binaries.js';

/** Requests the given paths in order, then returns the /metrics text. */
async function exercise(base: string, paths: readonly string[]): Promise<{ text: string; type: string }> {
  for (const path of paths) await (await fetch(`${base}${path}`)).arrayBuffer();
  const response = await fetch(`${base}/metrics`);
  assert.equal(response.status, 200);
  return { text: await response.text(), type: response.headers.get('content-type') ?? '' };
}

async function hitStatus(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

/** Asserts an exact exposition line, without dumping the whole text on failure. */
function hasLine(text: string, line: string): void {
  assert.ok(text.split('\n').includes(line), `missing line: ${line}`);
}

function checkCommon(text: string, p: string): void {
  hasLine(text, `# TYPE ${p}http_requests_total counter`);
  hasLine(text, `# TYPE ${p}http_request_duration_seconds histogram`);
  // Route templates, never raw paths; unknown paths share one value; /metrics itself is not counted.
  hasLine(text, `${p}http_requests_total{method="GET",route="/users/:id",status_code="200"} 2`);
  hasLine(text, `${p}http_requests_total{method="GET",route="__unmatched__",status_code="404"} 2`);
  hasLine(text, `${p}http_requests_total{method="GET",route="/boom",status_code="500"} 1`);
  assert.ok(!/route="\/users\/(1|2)"/.test(text), 'a raw path became a label value');
  assert.ok(!text.includes('route="/metrics"'), '/metrics counted itself');
  hasLine(
    text,
    `${p}http_request_duration_seconds_bucket{method="GET",route="/users/:id",status_code="200",le="+Inf"} 2`,
  );
  hasLine(
    text,
    `${p}http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 2`,
  );
  assert.ok(text.includes(`\n${p}process_cpu_seconds_total `), 'default process metrics missing');
}

const PATHS = ['/users/1', '/users/2', '/nowhere', '/nowhere/else', '/boom'];

describe('HTTP instrumentation for client apps', () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('Express: metricsMiddleware() serves /metrics and counts by route template', async () => {
    const app = express();
    app.set('env', 'test'); // the thrown error below is expected: no stack trace on stderr
    app.use(metricsMiddleware({ prefix: 'shop_', registry: new Registry() }));
    app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    const admin = express(); // a mounted sub-application: its requests finish pointing at it
    admin.get('/stats/:day', (_req, res) => {
      res.json({ ok: true });
    });
    app.use('/admin', admin);
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => {
        resolve(s);
      });
    });
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const { text, type } = await exercise(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      PATHS,
    );
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    checkCommon(text, 'shop_');
    assert.equal(
      await hitStatus(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}/admin/stats/1`),
      200,
    );
    const again = await exercise(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, []);
    hasLine(
      again.text,
      'shop_http_requests_total{method="GET",route="/admin/stats/:day",status_code="200"} 1',
    );
    // The two scrapes before this one were answered by the middleware: not counted either.
    assert.ok(!again.text.includes('route="__unmatched__",status_code="200"'), '/metrics counted');
  });

  it("default process metrics pass promtool check metrics: prom-client's three gauges named *_total are left out", async (t) => {
    const scrape = async (defaultMetrics: boolean | 'all'): Promise<string> => {
      const app = express();
      app.use(metricsMiddleware({ prefix: 'lint_', registry: new Registry(), defaultMetrics }));
      app.get('/users/:id', (req, res) => {
        res.json({ id: req.params.id });
      });
      const server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => {
          resolve(s);
        });
      });
      closers.push(() => new Promise((resolve) => server.close(resolve)));
      return (
        await exercise(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, ['/users/1'])
      ).text;
    };
    const clean = await scrape(true);
    for (const kind of ['handles', 'requests', 'resources']) {
      assert.ok(!clean.includes(`lint_nodejs_active_${kind}_total`), `${kind}_total still exported`);
    }
    // The same figure stays, as the by-type gauge (sum() over its types) prom-client also exports.
    assert.ok(clean.includes('# TYPE lint_nodejs_active_handles gauge'));
    const all = await scrape('all');
    assert.ok(
      all.includes('# TYPE lint_nodejs_active_handles_total gauge'),
      "'all': prom-client's set as is",
    );
    if (!requireBinary(t, 'promtool', 'prometheus')) return;
    const lint = (text: string) =>
      spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const result = lint(clean);
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    // The reason for the default: prom-client's own set fails (exit 3, lint problems).
    assert.equal(lint(all).status, 3);
  });

  it("Express: an app behind a handler of its own (not the server's only listener) is counted the same", async () => {
    const app = express();
    app.use(metricsMiddleware({ registry: new Registry(), defaultMetrics: false }));
    app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const other = express(); // a second app on the same server, not instrumented: none of its requests count
    other.get('/other', (_req, res) => {
      res.json({ other: true });
    });
    const server = createServer((req, res) => {
      if (req.url === '/other') other(req, res);
      else app(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const { text } = await exercise(base, ['/users/1', '/other', '/users/2', '/other', '/nowhere']);
    hasLine(text, 'http_requests_total{method="GET",route="/users/:id",status_code="200"} 2');
    hasLine(text, 'http_requests_total{method="GET",route="__unmatched__",status_code="404"} 1');
    assert.ok(!text.includes('/other'), 'a request of the other app was counted');
    const durations =
      /http_request_duration_seconds_sum\{method="GET",route="\/users\/:id",status_code="200"\} (\S+)/.exec(
        text,
      );
    assert.ok(Number(durations?.[1]) > 0, 'no duration measured');
  });

  it('Express: pipelined requests on one connection each get their own duration', async () => {
    const app = express();
    app.use(metricsMiddleware({ registry: new Registry(), defaultMetrics: false }));
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.json({ slow: true }), 300);
    });
    app.get('/fast', (_req, res) => {
      res.json({ fast: true });
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => {
        resolve(s);
      });
    });
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    // /fast arrives 150 ms after /slow on the same connection and is answered after it (HTTP/1.1 order):
    // it took ~150 ms, /slow ~300 ms. Swapped start times would show the reverse.
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => socket.on('close', resolve));
    assert.equal(received.match(/HTTP\/1\.1 200/g)?.length, 2);
    const { text } = await exercise(`http://127.0.0.1:${String(port)}`, []);
    const sumOf = (route: string): number =>
      Number(
        new RegExp(
          `http_request_duration_seconds_sum\\{method="GET",route="${route}",status_code="200"\\} (\\S+)`,
        ).exec(text)?.[1],
      );
    assert.ok(sumOf('/slow') >= 0.29, `slow: ${String(sumOf('/slow'))}`);
    assert.ok(sumOf('/fast') >= 0.1 && sumOf('/fast') < 0.25, `fast: ${String(sumOf('/fast'))}`);
  });

  it('Fastify: metricsPlugin counts the whole app, 404s included', async () => {
    const app = Fastify();
    await app.register(metricsPlugin, { registry: new Registry(), statusCodes: 'exact' });
    await app.register((child, _opts, done) => {
      child.get('/users/:id', (request) => ({ id: (request.params as { id: string }).id }));
      child.get('/boom', () => {
        throw new Error('boom');
      });
      done();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    const { text } = await exercise(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, PATHS);
    checkCommon(text, '');
  });

  it('NestJS: MetricsModule.forRoot() adds /metrics and the request metrics', async () => {
    class UsersController {
      user(id: string): { id: string } {
        return { id };
      }
      boom(): never {
        throw new Error('boom');
      }
    }
    const proto = UsersController.prototype;
    Param('id')(proto, 'user', 0);
    Get(':id')(proto, 'user', Object.getOwnPropertyDescriptor(proto, 'user')!);
    Controller('users')(UsersController);
    class BoomController {
      boom(): never {
        throw new Error('boom');
      }
    }
    Get()(
      BoomController.prototype,
      'boom',
      Object.getOwnPropertyDescriptor(BoomController.prototype, 'boom')!,
    );
    Controller('boom')(BoomController);
    // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a Nest module is a class carrying metadata
    class AppModule {}
    Module({
      imports: [MetricsModule.forRoot({ prefix: 'nest_', registry: new Registry() })],
      controllers: [UsersController, BoomController],
    })(AppModule);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- Nest's own options shape
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    closers.push(() => app.close());
    const server = app.getHttpServer() as Server;
    const { text } = await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, PATHS);
    checkCommon(text, 'nest_');
  });
});
