import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpRecorder, OVERFLOW_ROUTE, UNMATCHED_ROUTE } from '../src/http-recorder.js';

const sets = (r: HttpRecorder): string[] =>
  [...r.all()].map((t) => `${t.method} ${t.route} ${t.status} ${String(t.count)}`).sort();

describe('HttpRecorder', () => {
  it('counts by method, route template and status, with a duration histogram', () => {
    const r = new HttpRecorder({ buckets: [0.1, 1] });
    r.record('GET', '/a/:id', 200, 0.05);
    r.record('GET', '/a/:id', 200, 0.5);
    r.record('GET', '/a/:id', 200, 5);
    r.record('POST', undefined, 404, 0.01);
    assert.deepEqual(sets(r), ['GET /a/:id 200 3', `POST ${UNMATCHED_ROUTE} 404 1`]);
    const a = [...r.all()].find((t) => t.route === '/a/:id')!;
    assert.deepEqual(Array.from(a.buckets), [1, 1, 1]);
    assert.equal(a.sum, 5.55);
  });

  it('never lets a client create label values: unknown methods, odd statuses, and a series cap', () => {
    const r = new HttpRecorder({ maxSeries: 2, statusCodes: 'class' });
    r.record('BREW', '/coffee', 418, 0.001);
    r.record('get', '/x', 200, 0.001); // methods are case-sensitive in HTTP: lowercase is not GET
    r.record('GET', '/y', 999, 0.001);
    r.record('GET', '/z', 503, 0.001);
    r.record('GET', '/w', 504, 0.001);
    assert.deepEqual(sets(r), [
      `GET ${OVERFLOW_ROUTE} 5xx 2`,
      `GET ${OVERFLOW_ROUTE} unknown 1`,
      'OTHER /coffee 4xx 1',
      'OTHER /x 2xx 1',
    ]);
  });

  it('refuses buckets that are empty, unsorted or not finite', () => {
    for (const buckets of [[], [1, 1], [2, 1], [1, Number.POSITIVE_INFINITY]]) {
      assert.throws(() => new HttpRecorder({ buckets }), RangeError);
    }
    assert.throws(() => new HttpRecorder({ maxSeries: 0 }), RangeError);
  });
});
