import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const DEPLOY = 'deploy';

interface Panel {
  type: string;
  title: string;
  datasource: { type: string; uid: string };
  targets: { expr: string; datasource: { uid: string } }[];
}

interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string }[] };
}

/** The labels Promtail puts on a line: its relabelling targets and the labels of its pipeline stages. */
function promtailLabels(): Set<string> {
  const promtail = parse(readFileSync(join(DEPLOY, 'promtail/promtail.yml'), 'utf8')) as {
    scrape_configs: {
      relabel_configs: { target_label: string }[];
      pipeline_stages: { match?: { stages: Record<string, Record<string, unknown> | null>[] } }[];
    }[];
  };
  const labels = new Set<string>();
  for (const job of promtail.scrape_configs) {
    for (const relabel of job.relabel_configs) labels.add(relabel.target_label);
    for (const stage of job.pipeline_stages)
      for (const inner of stage.match?.stages ?? [])
        for (const name of Object.keys(inner.labels ?? {})) labels.add(name);
  }
  return labels;
}

const STRING = String.raw`"(?:[^"\\]|\\.)*"`;
const MATCHER = new RegExp(String.raw`^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(${STRING})\s*$`);
const LINE_FILTER = new RegExp(String.raw`^\s*(\|=|!=|\|~|!~)\s*(${STRING})`);

/**
 * The shape of a LogQL log query: a stream selector of label matchers, then line filters (no Loki binary
 * here to parse it; this is the subset the dashboards use). Returns the selector's label names, and the
 * regular expressions of the matchers and filters, to be compiled by the caller.
 */
function logQuery(expr: string): { labels: string[]; regexes: string[] } {
  const selector = /^\{([^}]*)\}/.exec(expr);
  assert.ok(selector, `${expr}: starts with a stream selector`);
  const labels: string[] = [];
  const regexes: string[] = [];
  for (const part of selector[1]!.split(',')) {
    // An empty selector ({}) fails here too: Loki refuses it.
    const matcher = MATCHER.exec(part);
    assert.ok(matcher, `${expr}: "${part}" is a label matcher`);
    labels.push(matcher[1]!);
    if (matcher[2]!.includes('~')) regexes.push(JSON.parse(matcher[3]!) as string);
  }
  let rest = expr.slice(selector[0].length);
  while (rest.trim() !== '') {
    const filter = LINE_FILTER.exec(rest);
    assert.ok(filter, `${expr}: "${rest}" is a line filter`);
    if (filter[1]!.includes('~')) regexes.push(JSON.parse(filter[2]!) as string);
    rest = rest.slice(filter[0].length);
  }
  return { labels, regexes };
}

describe('Grafana: logs next to the metrics', () => {
  it('the Node.js backend dashboard has a logs panel on the provisioned Loki datasource', () => {
    const datasources = parse(
      readFileSync(join(DEPLOY, 'grafana/provisioning/datasources/datasources.yml'), 'utf8'),
    ) as { datasources: { uid: string; type: string }[] };
    const loki = datasources.datasources.find((d) => d.type === 'loki');
    assert.ok(loki !== undefined);
    const dashboard = JSON.parse(
      readFileSync(join(DEPLOY, 'grafana/dashboards/nodejs.json'), 'utf8'),
    ) as Dashboard;
    const logs = dashboard.panels.filter((p) => p.type === 'logs');
    assert.equal(logs.length, 1);
    const panel = logs[0]!;
    assert.deepEqual(panel.datasource, { type: 'loki', uid: loki.uid });
    assert.ok(panel.targets.length > 0 && panel.targets.every((t) => t.datasource.uid === loki.uid));
    const metricPanels = dashboard.panels.filter((p) => p.datasource.uid === 'prometheus');
    assert.ok(metricPanels.length >= 6, 'next to the metrics');
  });

  it('its LogQL selects streams by labels Promtail sets, with valid regexes and defined variables', () => {
    const dashboard = JSON.parse(
      readFileSync(join(DEPLOY, 'grafana/dashboards/nodejs.json'), 'utf8'),
    ) as Dashboard;
    const variables = new Set(dashboard.templating.list.map((v) => v.name));
    const labels = promtailLabels();
    for (const panel of dashboard.panels.filter((p) => p.datasource.uid === 'loki')) {
      for (const { expr } of panel.targets) {
        for (const [, name] of expr.matchAll(/\$(\w+)/g))
          assert.ok(variables.has(name!), `${expr}: $${name!} is a dashboard variable`);
        const query = logQuery(expr);
        for (const label of query.labels) assert.ok(labels.has(label), `${expr}: Promtail sets "${label}"`);
        // Grafana substitutes the variables (the job list as a regex alternation, the filter as typed).
        for (const regex of query.regexes) {
          const substituted = regex.replace('$job', '(metrics-service|backend)').replace('$log_filter', '');
          assert.doesNotThrow(() => new RegExp(substituted.replace('(?i)', '')), regex);
        }
      }
    }
  });

  it('the shape check refuses what Loki would', () => {
    assert.throws(() => logQuery('{} |= "x"'));
    assert.throws(() => logQuery('service="a"'));
    assert.throws(() => logQuery('{service=a}'));
    assert.throws(() => logQuery('{service="a"} | "x"'));
    assert.deepEqual(logQuery('{service=~"a|b", level!="debug"} |= "x" !~ "y"'), {
      labels: ['service', 'level'],
      regexes: ['a|b', 'y'],
    });
  });
});
