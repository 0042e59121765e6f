import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { stepAlert, type LifecycleTimes } from '../../domain/alert-lifecycle.js';
import type { Labels } from '../../domain/metric.js';
import { createPromqlEngine } from '../../promql/engine.js';
import { parsePromql } from '../../promql/parser.js';
import { parseDuration } from '../../query/time-params.js';
import { alertInstances } from './alert-instances.js';
import { expandValues, seriesLabels } from './input-series.js';
import { renderPromTemplates, templateContext } from './render.js';
import { parseRuleFileText, type PromAlertRule, type PromRuleGroup } from './rule-file.js';
import { TestSeriesSource } from './test-source.js';
import { withoutName } from './without-name.js';

/** One file of `promtool test rules` format. */
interface TestFile {
  rule_files?: string[];
  evaluation_interval?: string;
  tests?: TestCase[];
}

interface TestCase {
  name?: string;
  interval?: string;
  input_series?: { series: string; values: string | number }[];
  external_labels?: Record<string, string>;
  external_url?: string;
  alert_rule_test?: {
    eval_time: string;
    alertname: string;
    exp_alerts?: { exp_labels?: Record<string, unknown>; exp_annotations?: Record<string, unknown> }[];
  }[];
  promql_expr_test?: {
    expr: string;
    eval_time: string;
    exp_samples?: { labels?: string; value: number | string }[];
  }[];
}

export interface UnitTestReport {
  tests: number;
  failures: string[];
}

interface ActiveAlert extends LifecycleTimes {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const ms = (raw: string | number | undefined, fallback: number, field: string): number =>
  raw === undefined ? fallback : parseDuration(String(raw), field);

const canonical = (labels: Readonly<Record<string, unknown>>): string =>
  JSON.stringify(
    Object.entries(labels)
      .map(([k, v]) => [k, String(v)])
      .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)),
  );

/**
 * Runs a `promtool test rules` file on the service's own PromQL engine and rule evaluation (the same
 * alert instances, templates and lifecycle as the AlertEngine), in memory: groups evaluated at every
 * `evaluation_interval` from 0, record rules writing their series as they go, alerts compared (firing
 * ones) at each `eval_time`, expressions queried after.
 */
export async function runRuleUnitTests(file: string): Promise<UnitTestReport> {
  const doc = (parse(await readFile(file, 'utf8')) ?? {}) as TestFile;
  const evalIntervalMs = ms(doc.evaluation_interval, 60_000, 'evaluation_interval');
  const groups: PromRuleGroup[] = [];
  for (const ruleFile of doc.rule_files ?? []) {
    const path = resolve(dirname(file), ruleFile);
    groups.push(
      ...parseRuleFileText(await readFile(path, 'utf8'), path, {
        defaultIntervalMs: evalIntervalMs,
        validateExpr: (expr) => {
          parsePromql(expr);
        },
      }),
    );
  }
  const failures: string[] = [];
  const tests = doc.tests ?? [];
  for (const [i, test] of tests.entries()) {
    const name = test.name ?? `test ${String(i)}`;
    try {
      failures.push(...(await runCase(test, groups, evalIntervalMs)).map((f) => `${name}: ${f}`));
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { tests: tests.length, failures };
}

async function runCase(
  test: TestCase,
  groups: readonly PromRuleGroup[],
  evalIntervalMs: number,
): Promise<string[]> {
  const intervalMs = ms(test.interval, evalIntervalMs, 'interval');
  const source = new TestSeriesSource();
  for (const input of test.input_series ?? []) {
    const labels = seriesLabels(input.series);
    for (const [t, v] of expandValues(String(input.values), intervalMs)) source.append(labels, t, v);
  }
  const engine = createPromqlEngine({ source });
  templateContext.externalLabels = { ...(test.external_labels ?? {}) };
  templateContext.externalUrl = test.external_url ?? '';

  const alertTests = (test.alert_rule_test ?? []).map((a) => ({ ...a, at: ms(a.eval_time, 0, 'eval_time') }));
  const lastEval = Math.max(0, ...alertTests.map((a) => a.at));
  const active = new Map<PromAlertRule, Map<string, ActiveAlert>>();
  const failures: string[] = [];
  for (let t = 0; t <= lastEval; t += evalIntervalMs) {
    for (const group of groups) {
      for (const rule of group.rules) {
        if (rule.kind === 'record') {
          const result = await engine.instantQuery(rule.expr, t);
          const samples =
            result.resultType === 'vector'
              ? result.result.map((s) => ({ labels: withoutName(s.metric), value: s.value[1] }))
              : result.resultType === 'scalar'
                ? [{ labels: {}, value: result.result[1] }]
                : [];
          for (const s of samples)
            source.append({ ...s.labels, ...rule.labels, __name__: rule.name }, t, s.value);
          continue;
        }
        const alerts = active.get(rule) ?? new Map<string, ActiveAlert>();
        active.set(rule, alerts);
        const seen = new Set<string>();
        for (const instance of await alertInstances(engine, rule, t)) {
          const key = canonical(instance.alertLabels);
          seen.add(key);
          const current = alerts.get(key);
          const { next } = stepAlert(current, true, t, rule);
          if (next === undefined) continue;
          alerts.set(key, {
            ...next,
            labels: instance.alertLabels,
            annotations: renderPromTemplates(rule.annotationTemplates, instance.alertLabels, instance.value),
          });
        }
        for (const [key, alert] of alerts) {
          if (seen.has(key)) continue;
          const { next } = stepAlert(alert, false, t, rule);
          if (next === undefined || next.state === 'resolved') alerts.delete(key);
          else alerts.set(key, { ...alert, ...next });
        }
      }
    }
    for (const check of alertTests.filter((a) => a.at === t)) {
      const got = [...active.entries()]
        .filter(([rule]) => rule.name === check.alertname)
        .flatMap(([, alerts]) => [...alerts.values()].filter((a) => a.state === 'firing'))
        .map((a) => canonical(a.labels) + canonical(a.annotations))
        .sort();
      const expected = (check.exp_alerts ?? [])
        .map(
          (e) =>
            canonical({ ...(e.exp_labels ?? {}), alertname: check.alertname }) +
            canonical(e.exp_annotations ?? {}),
        )
        .sort();
      if (JSON.stringify(got) !== JSON.stringify(expected))
        failures.push(
          `alertname: ${check.alertname}, time: ${check.eval_time},\n    exp: ${expected.join('\n         ') || '[]'}\n    got: ${got.join('\n         ') || '[]'}`,
        );
    }
  }
  for (const exprTest of test.promql_expr_test ?? []) {
    const at = ms(exprTest.eval_time, 0, 'eval_time');
    const result = await engine.instantQuery(exprTest.expr, at);
    const got =
      result.resultType === 'vector'
        ? result.result.map((s) => ({ labels: s.metric, value: s.value[1] }))
        : result.resultType === 'scalar'
          ? [{ labels: {}, value: result.result[1] }]
          : [];
    const expected = (exprTest.exp_samples ?? []).map((s) => ({
      labels: s.labels === undefined || s.labels === '' ? {} : seriesLabels(s.labels),
      value: Number(s.value),
    }));
    if (!sameSamples(got, expected))
      failures.push(
        `expr: ${JSON.stringify(exprTest.expr)}, time: ${exprTest.eval_time},\n    exp: ${JSON.stringify(expected)}\n    got: ${JSON.stringify(got)}`,
      );
  }
  return failures;
}

function sameSamples(
  got: readonly { labels: Labels; value: number }[],
  expected: readonly { labels: Labels; value: number }[],
): boolean {
  if (got.length !== expected.length) return false;
  const byLabels = new Map(got.map((s) => [canonical(s.labels), s.value]));
  return expected.every((e) => {
    const value = byLabels.get(canonical(e.labels));
    if (value === undefined) return false;
    if (Number.isNaN(value) || Number.isNaN(e.value)) return Number.isNaN(value) && Number.isNaN(e.value);
    return (
      value === e.value || Math.abs(value - e.value) <= 1e-9 * Math.max(Math.abs(value), Math.abs(e.value))
    );
  });
}
