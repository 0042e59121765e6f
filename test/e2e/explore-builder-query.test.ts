import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EMPTY_QUERY,
  functionsFor,
  kindOf,
  parseBuilt,
  printQuery,
  type BuiltQuery,
} from '../../web/src/explore-builder-query.js';

/** Issue 19: the Explore builder's PromQL, printed and read back (no browser needed). */
describe('Explore builder PromQL', () => {
  const cases: [Partial<BuiltQuery>, string][] = [
    [{ metric: 'up' }, 'up'],
    [
      { metric: 'jobs_done_total', fn: 'rate', filters: [{ label: 'queue', op: '=', value: 'mail' }] },
      'rate(jobs_done_total{queue="mail"}[5m])',
    ],
    [
      {
        metric: 'jobs_done_total',
        fn: 'increase',
        window: '1h',
        aggregation: 'sum',
        by: ['queue', 'job'],
        filters: [
          { label: 'queue', op: '=~', value: 'ma.*' },
          { label: 'job', op: '!=', value: 'a "quoted" \\ value' },
        ],
      },
      'sum by (queue, job) (increase(jobs_done_total{queue=~"ma.*", job!="a \\"quoted\\" \\\\ value"}[1h]))',
    ],
    [
      { metric: 'orders_waiting', fn: 'avg_over_time', aggregation: 'max' },
      'max(avg_over_time(orders_waiting[5m]))',
    ],
    [
      { metric: 'job_seconds_bucket', fn: 'quantile', quantile: '0.99', by: ['route'] },
      'histogram_quantile(0.99, sum by (le, route) (rate(job_seconds_bucket[5m])))',
    ],
    [
      { metric: 'job_seconds_bucket', fn: 'quantile', aggregation: 'sum' },
      'histogram_quantile(0.95, sum by (le) (rate(job_seconds_bucket[5m])))',
    ],
  ];

  it('prints each shape and reads it back to the same state', () => {
    for (const [partial, expected] of cases) {
      const q = { ...EMPTY_QUERY, ...partial };
      assert.equal(printQuery(q), expected);
      const back = parseBuilt(expected);
      assert.ok(back, expected);
      assert.equal(printQuery(back), expected);
      assert.equal(back.metric, q.metric);
      assert.deepEqual(back.filters, q.filters);
    }
  });

  it('does not read a hand-written expression as a built one', () => {
    for (const text of [
      'sum(rate(x[5m])) / sum(rate(y[5m]))',
      'rate(x[5m]) > 0',
      'topk(5, x)',
      'x{a="1",b="2"}', // not the builder's spacing: printed back it differs
      'sum  (x)',
      '',
    ])
      assert.equal(parseBuilt(text), undefined, text);
  });

  it('prints nothing until a metric is chosen', () => {
    assert.equal(printQuery(EMPTY_QUERY), '');
  });

  it('tells counters, gauges and histograms apart from metadata and names', () => {
    const types = { jobs_done_total: 'counter', orders_waiting: 'gauge', http_duration_seconds: 'histogram' };
    assert.equal(kindOf('jobs_done_total', types), 'counter');
    assert.equal(kindOf('orders_waiting', types), 'gauge');
    assert.equal(kindOf('http_duration_seconds_bucket', types), 'histogram');
    assert.equal(kindOf('bytes_sent_total', {}), 'counter');
    assert.equal(kindOf('mystery', {}), 'unknown');
    assert.deepEqual(functionsFor('counter'), ['rate', 'increase', 'raw']);
    assert.equal(functionsFor('histogram')[0], 'quantile');
  });
});
