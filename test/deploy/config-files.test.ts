import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { requireBinary } from '../support/binaries.js';

const DEPLOY = 'deploy';

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** deploy/prometheus in a temporary directory with the scrape token file Prometheus expects. */
function prometheusDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-prometheus-'));
  cpSync(join(DEPLOY, 'prometheus'), dir, { recursive: true });
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'metrics-read-token'), 'mst_placeholder');
  return dir;
}

describe('deploy/: the shipped configuration, checked by the real tools', () => {
  it('promtool check config: prometheus.yml, with its rule files', (ctx) => {
    if (!requireBinary(ctx, 'promtool', 'prometheus')) return;
    const dir = prometheusDir();
    try {
      const result = run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, /SUCCESS: 2 rule files found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('promtool check rules: recording and alerting rules', (ctx) => {
    if (!requireBinary(ctx, 'promtool', 'prometheus')) return;
    const result = run('promtool', [
      'check',
      'rules',
      join(DEPLOY, 'prometheus/recording.yml'),
      join(DEPLOY, 'prometheus/alerts.yml'),
    ]);
    assert.equal(result.status, 0, result.output);
  });

  it('promtool test rules: every alert fires on bad data and stays quiet on good data', (ctx) => {
    if (!requireBinary(ctx, 'promtool', 'prometheus')) return;
    const result = run('promtool', ['test', 'rules', join(DEPLOY, 'prometheus/alerts.test.yml')]);
    assert.equal(result.status, 0, result.output);
    const alerts = new Set(
      (
        parse(readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8')) as {
          groups: { rules: { alert: string }[] }[];
        }
      ).groups.flatMap((g) => g.rules.map((r) => r.alert)),
    );
    const tested: string = readFileSync(join(DEPLOY, 'prometheus/alerts.test.yml'), 'utf8');
    for (const alert of alerts) {
      assert.match(
        tested,
        new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`),
        `${alert} fires in a test`,
      );
      assert.match(
        tested,
        new RegExp(`alertname: ${alert}\\n\\s+exp_alerts: \\[\\]`),
        `${alert} stays quiet in a test`,
      );
    }
  });

  it('amtool check-config: alertmanager.yml', (ctx) => {
    if (!requireBinary(ctx, 'amtool', 'prometheus-alertmanager')) return;
    const result = run('amtool', ['check-config', join(DEPLOY, 'alertmanager/alertmanager.yml')]);
    assert.equal(result.status, 0, result.output);
    const config = parse(readFileSync(join(DEPLOY, 'alertmanager/alertmanager.yml'), 'utf8')) as {
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    };
    assert.deepEqual(config.inhibit_rules[0], {
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity="warning"'],
      equal: ['alertname', 'instance'],
    });
  });

  it('compose.yaml validates against the Compose schema and refuses to start without its secrets', (ctx) => {
    if (!requireBinary(ctx, 'docker-compose', 'docker-compose')) return;
    const env = {
      ADMIN_PASSWORD: 'a-long-admin-password',
      JWT_SECRET: 'x'.repeat(40),
      GF_SECURITY_ADMIN_PASSWORD: 'grafana-password',
      POSTGRES_PASSWORD: 'pg-password',
      REDIS_PASSWORD: 'redis-password',
    };
    const valid = run('docker-compose', ['-f', join(DEPLOY, 'compose.yaml'), 'config', '-q'], env);
    assert.equal(valid.status, 0, valid.output);
    const withoutGrafanaPassword = run(
      'docker-compose',
      ['-f', join(DEPLOY, 'compose.yaml'), 'config', '-q'],
      {
        ...env,
        GF_SECURITY_ADMIN_PASSWORD: '',
      },
    );
    assert.notEqual(withoutGrafanaPassword.status, 0);
    assert.match(withoutGrafanaPassword.output, /GF_SECURITY_ADMIN_PASSWORD/);
    const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8')) as {
      services: Record<string, { image?: string; build?: unknown; healthcheck?: unknown; ports?: string[] }>;
    };
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image !== undefined)
        assert.match(service.image, /:[^:]*\d[^:]*$/, `${name} pins its image version`);
      assert.ok(!service.image?.endsWith(':latest'), name);
      for (const port of service.ports ?? [])
        if (name !== 'metrics-service' && name !== 'scaled-proxy')
          assert.match(port, /^127\.0\.0\.1:/, `${name} publishes on loopback only`);
    }
    for (const name of [
      'metrics-service',
      'prometheus',
      'alertmanager',
      'grafana',
      'loki',
      'postgres',
      'redis',
    ])
      assert.ok(compose.services[name]?.healthcheck !== undefined, `${name} has a healthcheck`);
  });

  it('the Kubernetes manifests validate against the Kubernetes API schemas', () => {
    const kinds: Record<string, new (data: never) => { validate: () => void }> = {
      Deployment,
      Service,
      ConfigMap,
      Secret,
      PersistentVolumeClaim,
      PodDisruptionBudget,
    };
    const seen: string[] = [];
    for (const file of readdirSync(join(DEPLOY, 'k8s')).filter((f) => f.endsWith('.yaml'))) {
      const manifest = parse(readFileSync(join(DEPLOY, 'k8s', file), 'utf8')) as { kind: string };
      const Model = kinds[manifest.kind];
      assert.ok(Model !== undefined, `${file}: unexpected kind ${manifest.kind}`);
      new Model(manifest as never).validate();
      seen.push(manifest.kind);
    }
    assert.deepEqual(seen.sort(), Object.keys(kinds).sort());
    const deployment = parse(readFileSync(join(DEPLOY, 'k8s/deployment.yaml'), 'utf8')) as {
      spec: {
        replicas: number;
        template: { spec: { containers: Record<string, { httpGet: { path: string } }>[] } };
      };
    };
    assert.equal(deployment.spec.replicas, 1, 'one replica until the scaled-out mode exists');
    const container = deployment.spec.template.spec.containers[0]!;
    assert.equal(container.livenessProbe!.httpGet.path, '/health');
    assert.equal(container.readinessProbe!.httpGet.path, '/ready');
  });

  it('the scaled-out Kubernetes manifests: 3 replicas, rolling, anti-affinity, PDB 2, database and Redis from a Secret', () => {
    const kinds: Record<string, new (data: never) => { validate: () => void }> = {
      Deployment,
      Secret,
      PodDisruptionBudget,
    };
    const manifests = new Map<string, Record<string, unknown>>();
    for (const file of readdirSync(join(DEPLOY, 'k8s/scaled'))) {
      const manifest = parse(readFileSync(join(DEPLOY, 'k8s/scaled', file), 'utf8')) as { kind: string };
      const Model = kinds[manifest.kind];
      assert.ok(Model !== undefined, `${file}: unexpected kind ${manifest.kind}`);
      new Model(manifest as never).validate();
      manifests.set(manifest.kind, manifest);
    }
    const deployment = manifests.get('Deployment') as {
      spec: {
        replicas: number;
        strategy: { type: string; rollingUpdate: { maxUnavailable: number; maxSurge: number } };
        selector: { matchLabels: Record<string, string> };
        template: {
          spec: {
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown[] } };
            containers: {
              env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
              readinessProbe: { httpGet: { path: string } };
              volumeMounts: { name: string }[];
            }[];
          };
        };
      };
    };
    assert.equal(deployment.spec.replicas, 3);
    assert.deepEqual(deployment.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    assert.equal(
      deployment.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution
        .length,
      1,
    );
    const container = deployment.spec.template.spec.containers[0]!;
    assert.equal(container.readinessProbe.httpGet.path, '/ready');
    assert.deepEqual(
      container.volumeMounts.map((v) => v.name),
      ['tmp'],
      'no data volume: the state is in PostgreSQL',
    );
    for (const name of ['DATABASE_URL', 'REDIS_URL']) {
      const variable = container.env.find((e) => e.name === name);
      assert.equal(
        variable?.valueFrom?.secretKeyRef?.name,
        'metrics-service-scaled',
        `${name} from the Secret`,
      );
    }
    assert.ok(
      container.env.some((e) => e.name === 'REPLICA_ID'),
      'REPLICA_ID is the pod name',
    );
    const pdb = manifests.get('PodDisruptionBudget') as { spec: { minAvailable: number; selector: unknown } };
    assert.equal(pdb.spec.minAvailable, 2);
    assert.deepEqual(pdb.spec.selector, deployment.spec.selector);
    const secret = manifests.get('Secret') as { stringData: Record<string, string> };
    assert.deepEqual(Object.keys(secret.stringData).sort(), ['DATABASE_URL', 'REDIS_URL']);
  });

  it('compose.yaml: the `scaled` profile runs 3 replicas on PostgreSQL and Redis behind nginx', (ctx) => {
    if (!requireBinary(ctx, 'docker-compose', 'docker-compose')) return;
    const env = {
      ADMIN_PASSWORD: 'a-long-admin-password',
      JWT_SECRET: 'x'.repeat(40),
      GF_SECURITY_ADMIN_PASSWORD: 'grafana-password',
      POSTGRES_PASSWORD: 'pg-password',
      REDIS_PASSWORD: 'redis-password',
    };
    const rendered = run(
      'docker-compose',
      ['-f', join(DEPLOY, 'compose.yaml'), '--profile', 'scaled', 'config'],
      env,
    );
    assert.equal(rendered.status, 0, rendered.output);
    const compose = parse(rendered.output) as {
      services: Record<
        string,
        { environment?: Record<string, string>; profiles?: string[]; depends_on?: Record<string, unknown> }
      >;
    };
    const replicas = ['replica-1', 'replica-2', 'replica-3'];
    for (const name of replicas) {
      const service = compose.services[name]!;
      assert.deepEqual(service.profiles, ['scaled']);
      const environment = service.environment ?? {};
      assert.equal(environment.REPLICA_ID, name);
      assert.equal(environment.DATABASE_URL, 'postgres://metrics:pg-password@postgres:5432/metrics');
      assert.equal(environment.REDIS_URL, 'redis://:redis-password@redis:6379');
      assert.deepEqual(Object.keys(service.depends_on ?? {}).sort(), ['postgres', 'redis']);
    }
    assert.deepEqual(Object.keys(compose.services['scaled-proxy']?.depends_on ?? {}).sort(), replicas);
    const nginx = readFileSync(join(DEPLOY, 'nginx/scaled.conf'), 'utf8');
    for (const name of replicas) assert.match(nginx, new RegExp(`server ${name}:3000`));
    assert.match(nginx, /ip_hash;/, 'socket.io polling sessions stick to one replica');
    assert.match(nginx, /proxy_set_header Upgrade \$http_upgrade/);
  });

  it('Grafana provisioning names the datasources every dashboard panel uses', () => {
    const provisioned = parse(
      readFileSync(join(DEPLOY, 'grafana/provisioning/datasources/datasources.yml'), 'utf8'),
    ) as {
      datasources: {
        uid: string;
        url: string;
        type: string;
        jsonData?: Record<string, string>;
        secureJsonData?: Record<string, string>;
      }[];
    };
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    assert.deepEqual([...uids].sort(), ['loki', 'metrics-service', 'prometheus']);
    // The service itself as a Prometheus datasource, with the read token bootstrap.sh writes, mounted.
    const self = provisioned.datasources.find((d) => d.uid === 'metrics-service')!;
    assert.deepEqual(
      [self.type, self.url, self.jsonData?.httpHeaderName1],
      ['prometheus', 'http://metrics-service:3000', 'Authorization'],
    );
    const tokenPath = /^Bearer \$__file\{(.+)\}$/.exec(self.secureJsonData?.httpHeaderValue1 ?? '')?.[1];
    const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    assert.ok(
      compose.services.grafana?.volumes?.includes(`./secrets/metrics-read-token:${String(tokenPath)}:ro`),
      `grafana mounts the read token at ${String(tokenPath)}`,
    );
    for (const file of readdirSync(join(DEPLOY, 'grafana/dashboards'))) {
      const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/dashboards', file), 'utf8')) as {
        uid: string;
        panels: { datasource: { uid: string }; targets: { expr: string }[] }[];
      };
      assert.ok(dashboard.panels.length > 0, file);
      for (const panel of dashboard.panels) {
        assert.ok(uids.has(panel.datasource.uid), `${file}: ${panel.datasource.uid}`);
        assert.ok(panel.targets.length > 0 && panel.targets.every((t) => t.expr.length > 0), file);
      }
    }
  });

  it('Promtail labels containers by name and compose service and parses the service JSON logs', () => {
    const promtail = parse(readFileSync(join(DEPLOY, 'promtail/promtail.yml'), 'utf8')) as {
      clients: { url: string }[];
      scrape_configs: {
        relabel_configs: { target_label: string }[];
        pipeline_stages: { match?: { selector: string; stages: Record<string, unknown>[] } }[];
      }[];
    };
    assert.equal(promtail.clients[0]!.url, 'http://loki:3100/loki/api/v1/push');
    const job = promtail.scrape_configs[0]!;
    assert.deepEqual(
      job.relabel_configs.map((r) => r.target_label),
      ['container', 'service', 'compose_project', 'stream'],
    );
    const stages = job.pipeline_stages[0]!.match!.stages.map((s) => Object.keys(s)[0]);
    assert.deepEqual(stages, ['json', 'template', 'labels', 'structured_metadata']);
  });
});
