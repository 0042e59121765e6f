import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { expandValues } from '../../src/alerting/prom-rules/input-series.js';
import { GoTemplate, TemplateError } from '../../src/alerting/prom-rules/go-template.js';
import { skipUnlessBinaries } from '../support/binaries.js';

const PROMTOOL = skipUnlessBinaries([{ binary: 'promtool', debianPackage: 'prometheus' }]);

const TEMPLATES = {
  v: '{{ $value }}',
  h: '{{ $value | humanize }}',
  k: '{{ humanize1024 $value }}',
  d: '{{ $value | humanizeDuration }}',
  p: '{{ humanizePercentage $value }}',
  f: '{{ printf "%.2f" $value }}',
  g: '{{ printf "%.3g|%8.1f|%s" $value $value $labels.job }}',
  l: '{{- $labels.job -}} / {{ $labels.missing }} / {{ .Labels.idx }}',
};
const VALUES = [
  0,
  1,
  42,
  0.5,
  0.00001,
  0.000123,
  1.5,
  59.9,
  95,
  3700,
  90061,
  100000,
  1234567,
  1048576,
  123456789,
  1e21,
  -2.5,
  0.256,
  1 / 3,
];

describe('Prometheus rule templates (a Go text/template subset, interpreted)', () => {
  it(
    'renders as Prometheus does: the rendering promtool expects for every template and value',
    { skip: PROMTOOL },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'prom-templates-'));
      try {
        const annotations = Object.fromEntries(Object.entries(TEMPLATES));
        writeFileSync(
          join(dir, 'rules.yml'),
          stringify({ groups: [{ name: 't', rules: [{ alert: 'T', expr: 'm', annotations }] }] }),
        );
        const parsed = Object.entries(TEMPLATES).map(([k, text]) => [k, GoTemplate.parse(text)] as const);
        const tests = {
          rule_files: ['rules.yml'],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: VALUES.map((v, i) => ({
                series: `m{job="j",idx="${String(i)}"}`,
                values: `${String(v)}x3`,
              })),
              alert_rule_test: [
                {
                  eval_time: '1m',
                  alertname: 'T',
                  exp_alerts: VALUES.map((value, i) => {
                    const labels = { job: 'j', idx: String(i) };
                    const data = { value, labels, externalLabels: {}, externalUrl: '' };
                    return {
                      exp_labels: labels,
                      exp_annotations: Object.fromEntries(parsed.map(([k, t]) => [k, t.render(data)])),
                    };
                  }),
                },
              ],
            },
          ],
        };
        writeFileSync(join(dir, 'test.yml'), stringify(tests));
        const promtool = spawnSync('promtool', ['test', 'rules', join(dir, 'test.yml')], {
          encoding: 'utf8',
        });
        assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('refuses at load what is not in the subset, saying why', () => {
    const refused: [string, RegExp][] = [
      ['{{ if gt $value 1.0 }}big{{ end }}', /"if" is not supported/],
      ['{{ range $labels }}{{ . }}{{ end }}', /"range" is not supported/],
      ['{{ template "x" }}', /"template" is not supported/],
      ['{{ define "x" }}{{ end }}', /"define" is not supported/],
      ['{{ query "up" | first | value }}', /function "query" is not supported/],
      ['{{ $value.Foo }}', /not available/],
      ['{{ .Constructor }}', /not available/],
      ['{{ $labels.__proto__.polluted }}', /not available/],
      ['{{ $value', /unclosed action/],
      ['{{ }}', /empty action/],
      ['{{ "a" "b" }}', /only a function takes arguments/],
      ['{{ $value | $labels }}', /a pipe must lead to a function/],
    ];
    for (const [text, why] of refused)
      assert.throws(
        () => GoTemplate.parse(text),
        (e: unknown) => e instanceof TemplateError && why.test(e.message),
        text,
      );
  });

  it("never reaches an object's prototype through a label name", () => {
    const t = GoTemplate.parse('{{ $labels.constructor }}|{{ $labels.toString }}|{{ $labels.job }}');
    assert.equal(t.render({ value: 1, labels: { job: 'a' }, externalLabels: {}, externalUrl: '' }), '||a');
  });

  it("expands promtool's input series notation", () => {
    assert.deepEqual(expandValues('0+10x3', 60_000), [
      [0, 0],
      [60_000, 10],
      [120_000, 20],
      [180_000, 30],
    ]);
    assert.deepEqual(expandValues('5-1x2 _ 7 _x1 stale 9', 1000), [
      [0, 5],
      [1000, 4],
      [2000, 3],
      [4000, 7],
      [8000, 9],
    ]);
    assert.deepEqual(
      expandValues('1.5x1 -2 Inf NaN', 1000).map(([, v]) => v),
      [1.5, 1.5, -2, Infinity, Number.NaN],
    );
  });
});
