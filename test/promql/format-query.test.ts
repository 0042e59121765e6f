import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePromql } from '../../src/promql/parser.js';
import { goQuote, prettyExpr } from '../../src/promql/printer.js';

/**
 * Prometheus' own pretty-printer cases, copied from `promql/parser/prettier_test.go`
 * (https://github.com/prometheus/prometheus/blob/main/promql/parser/prettier_test.go, Apache-2.0), which
 * run with `maxCharactersPerLine = 10` so that short expressions split. The duration-expression cases are
 * left out (an experimental 3.x feature). The same printer at 100 characters is compared with the real
 * Prometheus' `format_query` in `differential.test.ts`.
 */
const CASES: readonly (readonly [string, string])[] = [
  // TestAggregateExprPretty
  ['sum(foo)', 'sum(foo)'],
  ['sum by() (task:errors:rate10s{job="s"})', 'sum(\n  task:errors:rate10s{job="s"}\n)'],
  [
    'sum without(job,foo) (task:errors:rate10s{job="s"})',
    'sum without (job, foo) (\n  task:errors:rate10s{job="s"}\n)',
  ],
  [
    'sum(task:errors:rate10s{job="s"}) without(job,foo)',
    'sum without (job, foo) (\n  task:errors:rate10s{job="s"}\n)',
  ],
  [
    'sum by(job,foo) (task:errors:rate10s{job="s"})',
    'sum by (job, foo) (\n  task:errors:rate10s{job="s"}\n)',
  ],
  [
    'sum (task:errors:rate10s{job="s"}) by(job,foo)',
    'sum by (job, foo) (\n  task:errors:rate10s{job="s"}\n)',
  ],
  ['topk(10, ask:errors:rate10s{job="s"})', 'topk(\n  10,\n  ask:errors:rate10s{job="s"}\n)'],
  [
    'sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job="s"}))',
    'sum by (job, foo) (\n  sum by (job, foo) (\n    task:errors:rate10s{job="s"}\n  )\n)',
  ],
  [
    'sum by(job,foo) (sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job="s"})))',
    'sum by (job, foo) (\n  sum by (job, foo) (\n    sum by (job, foo) (\n      task:errors:rate10s{job="s"}\n    )\n  )\n)',
  ],
  [
    'sum by(job,foo)\n(sum by(job,foo) (task:errors:rate10s{job="s"}))',
    'sum by (job, foo) (\n  sum by (job, foo) (\n    task:errors:rate10s{job="s"}\n  )\n)',
  ],
  [
    'sum by(job,foo)\n(sum(task:errors:rate10s{job="s"}) without(job,foo))',
    'sum by (job, foo) (\n  sum without (job, foo) (\n    task:errors:rate10s{job="s"}\n  )\n)',
  ],
  [
    'sum by(job,foo) # Comment 1.\n(sum by(job,foo) ( # Comment 2.\ntask:errors:rate10s{job="s"}))',
    'sum by (job, foo) (\n  sum by (job, foo) (\n    task:errors:rate10s{job="s"}\n  )\n)',
  ],
  // TestBinaryExprPretty
  ['a+b', 'a + b'],
  ['a == bool 1', '  a\n== bool\n  1'],
  ['a + ignoring(job) b', '  a\n+ ignoring (job)\n  b'],
  ['foo_1 + foo_2', '  foo_1\n+\n  foo_2'],
  ['foo_1 + foo_2 + foo_3', '    foo_1\n  +\n    foo_2\n+\n  foo_3'],
  ['foo + baar + foo_3', '  foo + baar\n+\n  foo_3'],
  ['foo_1 + foo_2 + foo_3 + foo_4', '      foo_1\n    +\n      foo_2\n  +\n    foo_3\n+\n  foo_4'],
  [
    'foo_1 + ignoring(foo) foo_2 + ignoring(job) group_left foo_3 + on(instance) group_right foo_4',
    '      foo_1\n    + ignoring (foo)\n      foo_2\n  + ignoring (job) group_left ()\n    foo_3\n+ on (instance) group_right ()\n  foo_4',
  ],
  // TestCallExprPretty
  ['rate(foo[1m])', 'rate(\n  foo[1m]\n)'],
  ['sum_over_time(foo[1m])', 'sum_over_time(\n  foo[1m]\n)'],
  [
    'rate(long_vector_selector[10m:1m] @ start() offset 1m)',
    'rate(\n  long_vector_selector[10m:1m] @ start() offset 1m\n)',
  ],
  ['histogram_quantile(0.9, rate(foo[1m]))', 'histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)'],
  [
    'max_over_time(rate(demo_api_request_duration_seconds_count[1m])[1m:] @ start() offset 1m)',
    'max_over_time(\n  rate(\n    demo_api_request_duration_seconds_count[1m]\n  )[1m:] @ start() offset 1m\n)',
  ],
  [
    'label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*")',
    'label_replace(\n  up{job="api-server",service="a:c"},\n  "foo",\n  "$1",\n  "service",\n  "(.*):.*"\n)',
  ],
  // TestParenExprPretty
  ['(foo)', '(foo)'],
  ['(_foo_long_)', '(\n  _foo_long_\n)'],
  ['((foo_long))', '(\n  (foo_long)\n)'],
  ['((_foo_long_))', '(\n  (\n    _foo_long_\n  )\n)'],
  ['(((foo_long)))', '(\n  (\n    (foo_long)\n  )\n)'],
  // TestStepInvariantExpr
  ['a @ 1', 'a @ 1.000'],
  ['a @ start()', 'a @ start()'],
  ['vector_selector @ start()', 'vector_selector @ start()'],
  // TestExprPretty
  ['(1 + 2)', '(1 + 2)'],
  ['(foo + bar)', '(\n  foo + bar\n)'],
  ['(foo_long + bar_long)', '(\n    foo_long\n  +\n    bar_long\n)'],
  ['(foo_long + bar_long + bar_2_long)', '(\n      foo_long\n    +\n      bar_long\n  +\n    bar_2_long\n)'],
  [
    '((foo_long + bar_long) + bar_2_long)',
    '(\n    (\n        foo_long\n      +\n        bar_long\n    )\n  +\n    bar_2_long\n)',
  ],
  ['(1111 + 2222)', '(\n    1111\n  +\n    2222\n)'],
  ['(sum_over_time(foo[1m]))', '(\n  sum_over_time(\n    foo[1m]\n  )\n)'],
  [
    'histogram_quantile(0.9, rate(foo[1m] @ start()))',
    'histogram_quantile(\n  0.9,\n  rate(\n    foo[1m] @ start()\n  )\n)',
  ],
  [
    '(node_timex_offset_seconds > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -0.05 and deriv(node_timex_offset_seconds[5m]) <= 0)',
    '  (\n        node_timex_offset_seconds\n      >\n        0.05\n    and\n        deriv(\n          node_timex_offset_seconds[5m]\n        )\n      >=\n        0\n  )\nor\n  (\n        node_timex_offset_seconds\n      <\n        -0.05\n    and\n        deriv(\n          node_timex_offset_seconds[5m]\n        )\n      <=\n        0\n  )',
  ],
  [
    '(count by (job) (changes(process_start_time_seconds{job="alertmanager"}[10m]) > 4) / count by (job) (up{job="alertmanager"})) >= 0.5',
    '  (\n      count by (job) (\n          changes(\n            process_start_time_seconds{job="alertmanager"}[10m]\n          )\n        >\n          4\n      )\n    /\n      count by (job) (\n        up{job="alertmanager"}\n      )\n  )\n>=\n  0.5',
  ],
  [
    'min by (job, integration) (rate(alertmanager_notifications_failed_total{job="alertmanager", integration=~".*"}[5m]) / rate(alertmanager_notifications_total{job="alertmanager", integration="~.*"}[5m])) > 0.01',
    '  min by (job, integration) (\n      rate(\n        alertmanager_notifications_failed_total{integration=~".*",job="alertmanager"}[5m]\n      )\n    /\n      rate(\n        alertmanager_notifications_total{integration="~.*",job="alertmanager"}[5m]\n      )\n  )\n>\n  0.01',
  ],
  // TestUnaryPretty
  ['-1', '-1'],
  ['-vector_selector', '-vector_selector'],
  ['(-vector_selector)', '(\n  -vector_selector\n)'],
  ['-histogram_quantile(0.9,rate(foo[1m]))', '-histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)'],
  [
    '-histogram_quantile(0.99, sum by (le) (rate(foo[1m])))',
    '-histogram_quantile(\n  0.99,\n  sum by (le) (\n    rate(\n      foo[1m]\n    )\n  )\n)',
  ],
  [
    '-histogram_quantile(0.9, -rate(foo[1m] @ start()))',
    '-histogram_quantile(\n  0.9,\n  -rate(\n    foo[1m] @ start()\n  )\n)',
  ],
  [
    '(-histogram_quantile(0.9, -rate(foo[1m] @ start())))',
    '(\n  -histogram_quantile(\n    0.9,\n    -rate(\n      foo[1m] @ start()\n    )\n  )\n)',
  ],
];

describe('format_query pretty-printing (Prometheus prettier_test.go cases, 10-character lines)', () => {
  for (const [input, expected] of CASES) {
    it(input.replace(/\n/g, ' '), () => {
      assert.equal(prettyExpr(parsePromql(input), 10), expected);
    });
  }

  it('keeps expressions of up to 100 characters on one line by default', () => {
    const expr = `sum by (route) (rate(${'x'.repeat(50)}_total{code="500"}[5m]))`;
    assert.ok(expr.length <= 100);
    assert.equal(prettyExpr(parsePromql(expr)), expr);
  });
});

describe("Go's %q", () => {
  it('escapes as Go does', () => {
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote('\n\t\x01\x7f'), '"\\n\\t\\x01\\x7f"');
    assert.equal(goQuote('é€😀'), '"é€😀"');
    assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
  });
});
