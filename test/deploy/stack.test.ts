import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { apiToken } from '../support/auth.js';
import { POSTGRES, REDIS, skipUnlessBinaries, skipUnlessServers } from '../support/binaries.js';
import { freePort } from '../support/child-service.js';
import { startExample, type Example } from '../support/examples.js';
import { send } from '../support/http.js';
import { runAlertmanager, type RunningAlertmanager } from '../support/alertmanager.js';
import { poll, runPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DEPLOY = 'deploy';
/** Scrape jobs of the shipped config whose targets cannot run on this machine (no Docker, no Grafana). */
const NOT_RUNNABLE_HERE = new Set(['cadvisor', 'loki', 'grafana']);
/** Dashboards whose data comes from what cannot run here: cAdvisor needs a Docker daemon. */
const DASHBOARDS_NOT_RUNNABLE_HERE = new Set(['containers.json']);

interface ScrapeConfig {
  job_name: string;
  authorization?: { credentials_file?: string };
  static_configs: { targets: string[] }[];
}

/**
 * What the suite runs, checked before its `before` hook starts any of it: a missing binary skips the whole
 * suite outside CI (fails it in CI) instead of crashing the runner with `spawn … ENOENT`.
 */
const BINARIES = [
  { binary: 'prometheus', debianPackage: 'prometheus' },
  { binary: 'prometheus-alertmanager', debianPackage: 'prometheus-alertmanager' },
  { binary: 'prometheus-node-exporter', debianPackage: 'prometheus-node-exporter' },
  { binary: 'prometheus-postgres-exporter', debianPackage: 'prometheus-postgres-exporter' },
  { binary: 'prometheus-redis-exporter', debianPackage: 'prometheus-redis-exporter' },
];
const SKIP = skipUnlessBinaries(BINARIES) || (await skipUnlessServers([POSTGRES, REDIS]));

function startExporter(binary: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  // Checked above; should it still fail to start, the target shows down instead of the runner crashing.
  child.on('error', () => undefined);
  return child;
}

/**
 * The shipped prometheus.yml with its targets rewritten to the loopback addresses of the processes this
 * test starts, the jobs that cannot run here removed, and 1 s intervals; the shipped alerts with their
 * `for` shortened to 1 s. Expressions, labels and routing are the shipped ones.
 */
function prometheusOverlay(dir: string, targets: Record<string, string>, tokenFile: string): void {
  const config = parse(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    scrape_configs: ScrapeConfig[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  config.global.scrape_timeout = '1s';
  const rewrite = (target: string): string => {
    const local = targets[target];
    if (local === undefined) throw new Error(`no local stand-in for ${target}`);
    return local;
  };
  config.scrape_configs = config.scrape_configs
    .filter((job) => !NOT_RUNNABLE_HERE.has(job.job_name))
    .map((job) => ({
      ...job,
      ...(job.authorization === undefined
        ? {}
        : { authorization: { ...job.authorization, credentials_file: tokenFile } }),
      static_configs: job.static_configs.map((s) => ({ ...s, targets: s.targets.map(rewrite) })),
    }));
  config.alerting.alertmanagers[0]!.static_configs[0]!.targets = [rewrite('alertmanager:9093')];
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  copyFileSync(join(DEPLOY, 'prometheus/recording.yml'), join(dir, 'recording.yml'));
  const alerts = readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8').replace(
    /^(\s+)for: \S+$/gm,
    '$1for: 1s',
  );
  writeFileSync(join(dir, 'alerts.yml'), alerts);
}

/** The shipped alertmanager.yml with its secret files and URLs pointing at this test's receivers. */
function alertmanagerOverlay(
  dir: string,
  serviceUrl: string,
  receiverUrl: string,
  ingestToken: string,
): string {
  const secrets = join(dir, 'secrets');
  mkdirSync(secrets, { recursive: true });
  const files: Record<string, string> = {
    'metrics-ingest-token': ingestToken,
    'slack-webhook-url': `${receiverUrl}/slack`,
    'discord-slack-webhook-url': `${receiverUrl}/discord`,
    'smtp-password': 'not-used-here',
  };
  for (const [name, value] of Object.entries(files)) writeFileSync(join(secrets, name), value);
  const text = readFileSync(join(DEPLOY, 'alertmanager/alertmanager.yml'), 'utf8')
    .replaceAll('/etc/alertmanager/secrets', secrets)
    .replace('http://metrics-service:3000', serviceUrl)
    .replace(/group_wait: \S+/, 'group_wait: 0s')
    .replace(/group_interval: \S+/, 'group_interval: 1s');
  return text;
}

describe(
  'the shipped stack with the real binaries: scrape, dashboards, alert routing',
  { skip: SKIP },
  () => {
    let service: TestApp;
    let backend: Example;
    let receiver: Receiver;
    let alertmanager: RunningAlertmanager;
    let prometheus: RunningPrometheus;
    const exporters: ChildProcess[] = [];

    before(async () => {
      service = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1', HEALTH_DEFAULT_INTERVAL: '1000' });
      await service.app.listen({ host: '127.0.0.1', port: 0 });
      const serviceUrl = `http://127.0.0.1:${String((service.app.server.address() as AddressInfo).port)}`;
      backend = await startExample('examples/fastify-app.mjs');
      receiver = await startReceiver();
      const ports = {
        node: await freePort(),
        postgres: await freePort(),
        redis: await freePort(),
        prometheus: await freePort(),
      };
      exporters.push(
        startExporter('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${String(ports.node)}`]),
        startExporter(
          'prometheus-postgres-exporter',
          [`--web.listen-address=127.0.0.1:${String(ports.postgres)}`],
          {
            DATA_SOURCE_NAME: 'postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable',
          },
        ),
        startExporter('prometheus-redis-exporter', [
          '-web.listen-address',
          `127.0.0.1:${String(ports.redis)}`,
          '-redis.addr',
          'redis://127.0.0.1:6379',
        ]),
      );
      const dir = mkdtempSync(join(tmpdir(), 'deploy-stack-'));
      const read = await apiToken(service.app, ['read']);
      const ingest = await apiToken(service.app, ['ingest']);
      alertmanager = await runAlertmanager(alertmanagerOverlay(dir, serviceUrl, receiver.base, ingest.token));
      writeFileSync(join(dir, 'read-token'), read.token);
      const promDir = mkdtempSync(join(tmpdir(), 'deploy-prometheus-'));
      prometheusOverlay(
        promDir,
        {
          'metrics-service:3000': serviceUrl.slice(7),
          'backend:3000': backend.url.slice(7),
          'localhost:9090': `127.0.0.1:${String(ports.prometheus)}`,
          'alertmanager:9093': alertmanager.url.slice(7),
          'node-exporter:9100': `127.0.0.1:${String(ports.node)}`,
          'postgres-exporter:9187': `127.0.0.1:${String(ports.postgres)}`,
          'redis-exporter:9121': `127.0.0.1:${String(ports.redis)}`,
        },
        join(dir, 'read-token'),
      );
      prometheus = runPrometheus(promDir, ports.prometheus);
    });
    after(async () => {
      await prometheus.stop();
      await alertmanager.stop();
      for (const exporter of exporters) exporter.kill('SIGTERM');
      backend.child.kill('SIGKILL');
      await receiver.close();
      await service.close();
    });

    it('every target of the shipped scrape config is up, the service scraped with its read token', async () => {
      const targets = await poll(async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
          data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
        };
        const active = body.data.activeTargets;
        return active.length >= 7 && active.every((t) => t.health === 'up') ? active : undefined;
      }, 30_000);
      assert.ok(targets !== undefined, prometheus.log().slice(-2000));
      assert.deepEqual(targets.map((t) => t.labels.job).sort(), [
        'alertmanager',
        'backend',
        'metrics-service',
        'node',
        'postgres',
        'prometheus',
        'redis',
      ]);
    });

    it('an alert of alerts.yml fires in Prometheus, goes through Alertmanager and reaches the service and the chat receivers', async () => {
      // HighErrorRate (critical): the backend's /fail answers 500.
      const failing = setInterval(() => {
        void fetch(`${backend.url}/fail`).then((r) => r.arrayBuffer());
        void fetch(`${backend.url}/tickets/1`).then((r) => r.arrayBuffer());
      }, 100);
      try {
        const alert = await poll(async () => {
          const { body } = await send<{ alerts: { ruleName: string; labels: Record<string, string> }[] }>(
            service.app,
            'GET',
            '/api/alerts?state=firing',
          );
          return body.alerts.find((a) => a.labels.alertname === 'HighErrorRate');
        }, 45_000);
        assert.ok(alert !== undefined, alertmanager.log().slice(-2000));
        assert.equal(alert.labels.job, 'backend');
        assert.equal(alert.labels.severity, 'critical');
        // The critical route also posts to Slack's critical channel and to Discord's Slack-compatible endpoint.
        const about = (path: string) =>
          receiver.received.find((r) => r.path === path && JSON.stringify(r.body).includes('HighErrorRate'));
        const chats = await poll(
          () =>
            Promise.resolve(
              about('/slack') !== undefined && about('/discord') !== undefined ? true : undefined,
            ),
          15_000,
        );
        assert.ok(
          chats,
          `received: ${receiver.received.map((r) => `${r.path} ${r.raw.slice(0, 80)}`).join('; ')}`,
        );
        assert.equal(about('/slack')!.body.channel, '#alerts-critical');
      } finally {
        clearInterval(failing);
      }
    });

    it('every expression of every Grafana dashboard returns data (template variables substituted)', async (ctx) => {
      // Business data as the README's worked example pushes it, twice, so rates and increases are not zero.
      const push = async (): Promise<void> => {
        for (const [name, type, value, labels, extra] of [
          ['bookings_total', 'counter', 1, { status: 'created', service: 'hotel' }, {}],
          ['revenue_euros_total', 'counter', 129.9, { service: 'hotel' }, {}],
          ['active_users', 'gauge', 42, {}, {}],
          ['funnel_visitors_total', 'counter', 1000, { step: 'visit' }, {}],
          ['satisfaction_score', 'histogram', 4, {}, { buckets: [1, 2, 3, 4, 5] }],
        ] as const)
          await send(service.app, 'POST', '/api/metrics/business', { name, type, value, labels, ...extra });
      };
      await push();
      await send(service.app, 'POST', '/api/health/services', {
        name: 'backend',
        url: `${backend.url}/tickets/1`,
      });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await push();
      const expressions: { dashboard: string; panel: string; expr: string }[] = [];
      /** Panels on the service's own datasource: Grafana sends their query_range to the service itself. */
      const selfExpressions: typeof expressions = [];
      for (const file of readdirSync(join(DEPLOY, 'grafana/dashboards'))) {
        if (DASHBOARDS_NOT_RUNNABLE_HERE.has(file)) continue;
        const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/dashboards', file), 'utf8')) as {
          panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
        };
        // PromQL only: Loki's panels (LogQL) are checked in dashboards.test.ts, no Loki binary here.
        for (const panel of dashboard.panels.filter((p) =>
          ['prometheus', 'metrics-service'].includes(p.datasource.uid),
        ))
          for (const target of panel.targets)
            (panel.datasource.uid === 'metrics-service' ? selfExpressions : expressions).push({
              dashboard: file,
              panel: panel.title,
              expr: target.expr
                .replaceAll('$__rate_interval', '1m')
                .replaceAll('$__range', '5m')
                .replaceAll('$job', '.+'),
            });
      }
      const empty: string[] = [];
      for (const { dashboard, panel, expr } of expressions) {
        // A dead Prometheus would otherwise cost every expression its whole wait (minutes in all).
        assert.ok(prometheus.alive(), `prometheus exited: ${prometheus.log().slice(-2000)}`);
        // The first expressions wait for data to arrive; once one came back empty, the data has had its
        // time, so the rest get a short wait and the test reports every empty panel in seconds.
        const result = await poll(
          async () => {
            const rows = await prometheus.query(expr);
            return rows.length > 0 ? rows : undefined;
          },
          empty.length === 0 ? 20_000 : 2_000,
        );
        if (result === undefined) empty.push(`${dashboard} / ${panel}: ${expr}`);
      }
      // The switched dashboard: each expression as Grafana's datasource posts it to the service's
      // /api/v1/query_range (form body, read token), answered without error and with data.
      const read = (await apiToken(service.app, ['read'])).token;
      const failed: string[] = [];
      const end = Date.now() / 1000;
      for (const { dashboard, panel, expr } of selfExpressions) {
        const r = await service.app.inject({
          method: 'POST',
          url: '/api/v1/query_range',
          headers: { authorization: `Bearer ${read}`, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({
            query: expr,
            start: String(end - 600),
            end: String(end),
            step: '15',
          }).toString(),
        });
        const body = r.json<{ status: string; data?: { result: unknown[] } }>();
        if (r.statusCode !== 200 || body.status !== 'success' || (body.data?.result.length ?? 0) === 0)
          failed.push(`${dashboard} / ${panel}: ${expr} → ${String(r.statusCode)} ${r.body.slice(0, 200)}`);
      }
      ctx.diagnostic(
        `${String(expressions.length)} panel expressions queried through Prometheus, ${String(empty.length)} empty; ${String(selfExpressions.length)} through the service's /api/v1/query_range, ${String(failed.length)} failed`,
      );
      assert.deepEqual(empty, []);
      assert.deepEqual(failed, []);
      assert.ok(selfExpressions.length >= 6);
      assert.ok(expressions.length + selfExpressions.length >= 30);
    });
  },
);
