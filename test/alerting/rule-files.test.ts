import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runRuleUnitTests } from '../../src/alerting/prom-rules/unit-tests.js';
import { skipUnlessBinaries } from '../support/binaries.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SEED = '/work/shared/seeds/metrics-service-readme.md';
const PROMTOOL = skipUnlessBinaries([{ binary: 'promtool', debianPackage: 'prometheus' }]);

/** The seed's `config/custom-rules.yml`, verbatim from its README (or the same text when the seed is absent). */
function seedRuleFile(): string {
  let readme: string;
  try {
    readme = readFileSync(SEED, 'utf8');
  } catch {
    readme = `# config/custom-rules.yml
groups:
  - name: custom.rules
    rules:
      - alert: CustomHighLatency
        expr: histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 2
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "High latency detected"
\`\`\``;
  }
  const start = readme.indexOf('# config/custom-rules.yml');
  return readme.slice(start, readme.indexOf('```', start));
}

/** A copy of the shipped rule tests in a temp dir, with one expectation changed to be wrong. */
function wrongCopy(dir: string): string {
  for (const f of ['alerts.yml', 'recording.yml']) copyFileSync(join('deploy/prometheus', f), join(dir, f));
  const text = readFileSync('deploy/prometheus/alerts.test.yml', 'utf8');
  const wrong = text.replace(
    "description: 'CPU usage is 90% for 10 minutes.'",
    "description: 'CPU usage is 91% for 10 minutes.'",
  );
  assert.notEqual(wrong, text);
  const file = join(dir, 'wrong.test.yml');
  writeFileSync(file, wrong);
  return file;
}

describe('promtool test rules files: promtool and the service agree', { skip: PROMTOOL }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rule-files-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes the shipped deploy/prometheus/alerts.test.yml in both', async () => {
    const promtool = spawnSync('promtool', ['test', 'rules', 'deploy/prometheus/alerts.test.yml'], {
      encoding: 'utf8',
    });
    assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
    const ours = await runRuleUnitTests('deploy/prometheus/alerts.test.yml');
    assert.deepEqual(ours.failures, []);
    assert.equal(ours.tests, 9);
  });

  it('fails a deliberately wrong expectation in both, on the same alert', async () => {
    const file = wrongCopy(dir);
    const promtool = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(promtool.status, 1);
    assert.match(promtool.stdout + promtool.stderr, /alertname: HighCpuUsage, time: 20m/);
    const ours = await runRuleUnitTests(file);
    assert.equal(ours.failures.length, 1);
    assert.match(ours.failures[0]!, /alertname: HighCpuUsage, time: 20m/);
  });

  it('runs as npm run rules:test with promtool exit codes', () => {
    const ok = spawnSync(
      'node',
      ['--import', 'tsx', 'src/cli/rules-test.ts', 'deploy/prometheus/alerts.test.yml'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /SUCCESS/);
    const bad = spawnSync('node', ['--import', 'tsx', 'src/cli/rules-test.ts', wrongCopy(dir)], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /FAILED/);
  });

  it('checks rule files as promtool check rules does: both accept the shipped and seed files', () => {
    const seed = join(dir, 'custom-rules.yml');
    writeFileSync(seed, seedRuleFile());
    for (const file of ['deploy/prometheus/alerts.yml', 'deploy/prometheus/recording.yml', seed]) {
      const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
    }
  });
});

describe('ALERT_RULES_FILE in the Prometheus format', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rule-files-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads the seed's config/custom-rules.yml verbatim and lists it in /api/v1/rules", async () => {
    const file = join(dir, 'custom-rules.yml');
    writeFileSync(file, seedRuleFile());
    const t = await startTestApp({ ALERT_RULES_FILE: file });
    try {
      const rules = await t.app.inject({ url: '/api/v1/rules?type=alert' });
      assert.equal(rules.statusCode, 200);
      const groups = rules.json<{
        data: {
          groups: { name: string; file: string; interval: number; rules: Record<string, unknown>[] }[];
        };
      }>().data.groups;
      const custom = groups.find((g) => g.name === 'custom.rules');
      assert.ok(custom, JSON.stringify(groups));
      assert.equal(custom.file, file);
      assert.equal(custom.interval, 60);
      assert.deepEqual(
        { ...custom.rules[0], lastEvaluation: undefined, evaluationTime: undefined },
        {
          state: 'inactive',
          name: 'CustomHighLatency',
          query: 'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 2',
          duration: 300,
          keepFiringFor: 0,
          labels: { severity: 'warning' },
          annotations: { summary: 'High latency detected' },
          alerts: [],
          health: 'unknown',
          type: 'alerting',
          lastEvaluation: undefined,
          evaluationTime: undefined,
        },
      );
      // Read-only through the rules API, like the service's own file rules.
      const edit = await t.app.inject({
        method: 'DELETE',
        url: `/api/alerts/rules/${encodeURIComponent('prom:' + file + ':custom.rules:alert:CustomHighLatency')}`,
      });
      assert.equal(edit.statusCode, 409, edit.body);
    } finally {
      await t.close();
    }
  });

  it('loads the shipped deploy/prometheus/alerts.yml and recording.yml', async () => {
    for (const name of ['alerts.yml', 'recording.yml']) {
      const t = await startTestApp({ ALERT_RULES_FILE: join('deploy/prometheus', name) });
      try {
        const groups = (await t.app.inject({ url: '/api/v1/rules' })).json<{
          data: { groups: { file: string }[] };
        }>().data.groups;
        assert.ok(groups.filter((g) => g.file.endsWith(name)).length >= 1);
      } finally {
        await t.close();
      }
    }
  });

  it('refuses to start on a bad rule file, naming the group, the rule and the field', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n          summary: "{{ printf \\"%s\\" (index $labels 0) }}"\n',
    );
    await assert.rejects(
      startTestApp({ ALERT_RULES_FILE: file }),
      /groups\[0\]\.rules\[0\]\.annotations\.summary/,
    );
  });
});

describe('PUT /api/alerts/rule-groups and the evaluation of Prometheus rules', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  const put = (payload: unknown, contentType = 'application/json') =>
    t.app.inject({
      method: 'PUT',
      url: '/api/alerts/rule-groups',
      headers: { 'content-type': contentType },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  it('answers a mistake with problem+json naming group, rule and field, and keeps what was there', async () => {
    const cases: [unknown, string, RegExp][] = [
      [
        { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up ==' }] }] },
        'groups[0].rules[0].expr',
        /group "g", alert "A": could not parse expression/,
      ],
      [
        { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', colour: 'red' }] }] },
        'groups[0].rules[0].colour',
        /field colour not found/,
      ],
      [
        { groups: [{ name: 'g', rules: [{ record: 'a b', expr: 'up' }] }] },
        'groups[0].rules[0].record',
        /invalid recording rule name/,
      ],
      [
        { groups: [{ name: 'g', rules: [{ record: 'r', expr: 'up', for: '1m' }] }] },
        'groups[0].rules[0].for',
        /invalid field 'for' in recording rule/,
      ],
      [
        { groups: [{ name: 'g', rules: [{ alert: 'A', record: 'r', expr: 'up' }] }] },
        'groups[0].rules[0]',
        /one of 'record' or 'alert'/,
      ],
      [
        {
          groups: [
            { name: 'g', rules: [] },
            { name: 'g', rules: [] },
          ],
        },
        'groups[1].name',
        /repeated/,
      ],
      [
        { groups: [{ name: 'g', interval: 'soon', rules: [] }] },
        'groups[0].interval',
        /not a Prometheus duration/,
      ],
      [
        {
          groups: [
            {
              name: 'g',
              rules: [{ alert: 'A', expr: 'up', annotations: { s: '{{ range $labels }}x{{ end }}' } }],
            },
          ],
        },
        'groups[0].rules[0].annotations.s',
        /"range" is not supported/,
      ],
      [
        {
          groups: [
            { name: 'g', rules: [{ alert: 'A', expr: 'up', annotations: { s: '{{ call .Exec "rm" }}' } }] },
          ],
        },
        'groups[0].rules[0].annotations.s',
        /function "call" is not supported/,
      ],
      [
        { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', labels: { s: '{{ $value' } }] }] },
        'groups[0].rules[0].labels.s',
        /unclosed action/,
      ],
    ];
    for (const [body, field, why] of cases) {
      const r = await put(body);
      assert.equal(r.statusCode, 422, `${field}: ${r.body}`);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      const problem = r.json<{ code: string; field: string; detail: string }>();
      assert.equal(problem.code, 'invalid_rule');
      assert.equal(problem.field, field);
      assert.match(problem.detail, why);
    }
    const yamlError = await put('groups: [', 'application/yaml');
    assert.equal(yamlError.statusCode, 422);
    assert.equal(
      (await t.app.inject({ url: '/api/alerts/rule-groups' })).json<{ groups: unknown[] }>().groups.length,
      0,
    );
  });

  it('evaluates record and alerting rules at the group interval: series written, pending → firing → resolved, templates filled', async () => {
    const file = [
      'groups:',
      '  - name: latency',
      '    interval: 10s',
      '    rules:',
      '      - record: job:queue_depth:max',
      '        expr: max by (job) (queue_depth)',
      '      - alert: QueueBacklog',
      '        expr: job:queue_depth:max > 100',
      '        labels:',
      '          severity: critical',
      '          team: "{{ $labels.job }}-oncall"',
      '        annotations:',
      '          summary: "{{ $labels.job }} backlog {{ $value | humanize }} ({{ printf \\"%.2f\\" $value }})"',
      '          share: "{{ 0.256 | humanizePercentage }} {{ 1048576 | humanize1024 }} {{ 95 | humanizeDuration }}"',
    ].join('\n');
    const r = await put(file, 'application/yaml');
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(
      r.json<{ groups: { name: string; interval: number }[] }>().groups.map((g) => [g.name, g.interval]),
      [['latency', 10]],
    );

    const push = async (value: number) => {
      const ingest = await t.app.inject({
        method: 'POST',
        url: '/api/metrics/batch',
        payload: {
          metrics: [
            { name: 'queue_depth', type: 'gauge', value, labels: { job: 'worker', shard: 'a' } },
            { name: 'queue_depth', type: 'gauge', value: 1, labels: { job: 'worker', shard: 'b' } },
          ],
        },
      });
      assert.equal(ingest.statusCode, 200, ingest.body);
    };
    const state = t.services.alerting.ruleGroups.list().find((s) => s.group.name === 'latency')!;
    const evaluate = async () => {
      await t.services.alerting.ruleGroups.evaluateGroup(state, Date.now());
      await t.services.alerting.engine.settled();
    };

    await push(1234.5);
    await evaluate();
    assert.deepEqual(
      state.rules.map((h) => [h.health, h.lastError]),
      [
        ['ok', ''],
        ['ok', ''],
      ],
    );
    // The recorded series is a gauge of the store: listed by the Prometheus API and exposed on /metrics.
    const series = await t.app.inject({ url: '/api/v1/series?match[]=job:queue_depth:max' });
    assert.deepEqual(series.json<{ data: unknown[] }>().data, [
      { __name__: 'job:queue_depth:max', job: 'worker' },
    ]);
    const metrics = await t.app.inject({ url: '/metrics' });
    assert.match(metrics.body, /^job:queue_depth:max\{job="worker"\} 1234\.5$/m);

    const firing = t.services.alerting.engine.activeAlerts().filter((a) => a.ruleName === 'QueueBacklog');
    assert.equal(firing.length, 1);
    assert.equal(firing[0]!.state, 'firing'); // no `for`: fires at once
    assert.deepEqual(firing[0]!.labels, {
      job: 'worker',
      severity: 'critical',
      team: 'worker-oncall',
      alertname: 'QueueBacklog',
    });
    assert.deepEqual(firing[0]!.annotations, {
      summary: 'worker backlog 1.234k (1234.50)',
      share: '25.6% 1Mi 1m 35s',
    });
    const alerts = (await t.app.inject({ url: '/api/v1/alerts' })).json<{
      data: { alerts: { labels: Record<string, string>; state: string; value: string }[] };
    }>().data.alerts;
    const prom = alerts.find((a) => a.labels.alertname === 'QueueBacklog');
    assert.deepEqual([prom?.state, prom?.value], ['firing', '1.2345e+03']);
    const rules = (await t.app.inject({ url: '/api/v1/rules?type=record' })).json<{
      data: { groups: { name: string; rules: { type: string; health: string }[] }[] };
    }>().data.groups;
    assert.deepEqual(
      rules.find((g) => g.name === 'latency')?.rules.map((x) => [x.type, x.health]),
      [['recording', 'ok']],
    );

    await push(5);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await evaluate();
    const after = t.services.alerting.engine.activeAlerts().filter((a) => a.ruleName === 'QueueBacklog');
    assert.equal(after.length, 0, 'resolved once the recorded value drops');
  });
});

describe('Prometheus rules notify and are silenced like the service’s own rules', () => {
  let t: TestApp;
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1', SLACK_WEBHOOK_URL: `${receiver.base}/slack` });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('a firing alert goes to the default channel with its rendered annotations; a silence keeps another back', async () => {
    const groups = {
      groups: [
        {
          name: 'disk',
          rules: [
            {
              alert: 'DiskFull',
              expr: 'disk_used_ratio > 0.9',
              annotations: { summary: 'disk {{ $labels.mount }} at {{ $value | humanizePercentage }}' },
            },
            { alert: 'DiskQuiet', expr: 'disk_used_ratio > 0.9' },
          ],
        },
      ],
    };
    const put = await t.app.inject({ method: 'PUT', url: '/api/alerts/rule-groups', payload: groups });
    assert.equal(put.statusCode, 200, put.body);
    const silence = await t.app.inject({
      method: 'POST',
      url: '/api/alerts/silences',
      payload: { matchers: ['alertname="DiskQuiet"'], endsAt: '1h', comment: 'known' },
    });
    assert.equal(silence.statusCode, 201, silence.body);
    const ingest = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: { name: 'disk_used_ratio', type: 'gauge', value: 0.95, labels: { mount: '/data' } },
    });
    assert.ok(ingest.statusCode < 300, ingest.body);
    const state = t.services.alerting.ruleGroups.list().find((s) => s.group.name === 'disk')!;
    await t.services.alerting.ruleGroups.evaluateGroup(state, Date.now());
    await t.services.alerting.engine.settled();
    await t.services.alerting.outbox.drain();
    const active = t.services.alerting.engine.activeAlerts();
    assert.equal(
      active.find((a) => a.ruleName === 'DiskQuiet')?.silencedBy,
      silence.json<{ id: string }>().id,
    );
    await receiver.waitFor(1);
    const texts = receiver.received.map((r) => r.raw);
    assert.equal(texts.length, 1, texts.join('\n'));
    assert.match(texts[0]!, /DiskFull/);
    assert.match(texts[0]!, /disk \/data at 95%/);
  });
});
