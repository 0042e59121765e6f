import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skipUnlessBinaries } from '../support/binaries.js';
import { freePort } from '../support/child-service.js';
import { poll, runPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { generateDataSet, toIngestBatches, toOpenMetrics, type DataSet } from './differential-data.js';
import { EXPRESSIONS, FORMAT_EXPRESSIONS, isRangeVector } from './differential-queries.js';

/**
 * Issue 17's proof: the same samples in the real Prometheus (loaded with `promtool tsdb create-blocks-from
 * openmetrics`) and in the service, the same instant and range queries on both through their HTTP APIs,
 * the same answers (series and labels; values within 1e-9 relative, NaN equal to NaN; the same errors).
 */
const skip = skipUnlessBinaries([
  { binary: 'prometheus', debianPackage: 'prometheus' },
  { binary: 'promtool', debianPackage: 'prometheus' },
]);

interface Answer {
  status: 'success' | 'error';
  data?: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
}

type Labels = Record<string, string>;
interface Sample {
  metric: Labels;
  value?: [number, string];
  values?: [number, string][];
}

const RELATIVE = 1e-9;

function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  // Float sums in another order can leave a few ulps of an exact zero: 1e-12 absolute below that.
  return Math.abs(x - y) <= RELATIVE * Math.max(Math.abs(x), Math.abs(y)) || Math.abs(x - y) < 1e-12;
}

const key = (labels: Labels): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Why two answers differ, or undefined when they agree. */
function difference(ours: Answer, theirs: Answer, ordered: boolean): string | undefined {
  if (theirs.status === 'error' || ours.status === 'error') {
    if (theirs.status === ours.status && theirs.errorType === ours.errorType) return undefined;
    return `prometheus: ${theirs.status} ${theirs.errorType ?? ''} ${theirs.error ?? ''} / service: ${ours.status} ${ours.errorType ?? ''} ${ours.error ?? ''}`;
  }
  const a = ours.data!;
  const b = theirs.data!;
  if (a.resultType !== b.resultType) return `result type ${a.resultType} vs prometheus ${b.resultType}`;
  if (a.resultType === 'scalar' || a.resultType === 'string') {
    const [ta, va] = a.result as [number, string];
    const [tb, vb] = b.result as [number, string];
    if (ta !== tb || !(a.resultType === 'string' ? va === vb : sameValue(va, vb))) {
      return `${JSON.stringify(a.result)} vs prometheus ${JSON.stringify(b.result)}`;
    }
    return undefined;
  }
  const ra = a.result as Sample[];
  const rb = b.result as Sample[];
  if (ordered) {
    const va = ra.map((s) => s.value![1]);
    const vb = rb.map((s) => s.value![1]);
    if (va.length !== vb.length || va.some((v, i) => !sameValue(v, vb[i]!))) {
      return `order of values ${JSON.stringify(va)} vs prometheus ${JSON.stringify(vb)}`;
    }
  }
  const mine = new Map(ra.map((s) => [key(s.metric), s]));
  const problems: string[] = [];
  for (const s of rb) {
    const other = mine.get(key(s.metric));
    if (other === undefined) {
      problems.push(`missing ${key(s.metric)}`);
      continue;
    }
    mine.delete(key(s.metric));
    const pa = other.value !== undefined ? [other.value] : other.values!;
    const pb = s.value !== undefined ? [s.value] : s.values!;
    if (pa.length !== pb.length) {
      problems.push(`${key(s.metric)}: ${pa.length} points vs prometheus ${pb.length}`);
      continue;
    }
    for (let i = 0; i < pa.length; i++) {
      if (pa[i]![0] !== pb[i]![0] || !sameValue(pa[i]![1], pb[i]![1])) {
        problems.push(
          `${key(s.metric)} at ${pb[i]![0]}: ${JSON.stringify(pa[i])} vs prometheus ${JSON.stringify(pb[i])}`,
        );
        break;
      }
    }
  }
  for (const extra of mine.keys()) problems.push(`extra ${extra}`);
  return problems.length === 0 ? undefined : problems.slice(0, 5).join('; ');
}

describe('PromQL against the real Prometheus', { skip }, () => {
  let prometheus: RunningPrometheus | undefined;
  let service: TestApp | undefined;
  let data: DataSet;

  before(async () => {
    const hour = 3_600_000;
    data = generateDataSet(Math.floor(Date.now() / hour) * hour - 6 * hour, 6);
    const dir = mkdtempSync(join(tmpdir(), 'promql-differential-'));
    writeFileSync(join(dir, 'data.om'), toOpenMetrics(data));
    const created = spawnSync(
      'promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'data.om'), join(dir, 'data')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(created.status, 0, `promtool: ${created.stderr}`);
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  evaluation_interval: 1m\n');
    const started = runPrometheus(dir, await freePort());
    prometheus = started;
    const ready = await poll(
      async () => ((await fetch(`${started.url}/-/ready`)).ok ? true : undefined),
      30_000,
    );
    assert.ok(ready, `prometheus did not start: ${started.log()}`);

    service = await startTestApp({ MAX_SERIES_PER_METRIC: '100000' });
    for (const batch of toIngestBatches(data)) {
      const result = await service.services.ingest.ingest(batch, 'custom');
      assert.deepEqual(result.rejected, [], 'the service takes every sample');
    }
  });

  after(async () => {
    await prometheus?.stop();
    await service?.close();
  });

  const ask = async (path: string, params: Record<string, string>): Promise<[Answer, Answer]> => {
    const query = new URLSearchParams(params).toString();
    const theirs = (await (await fetch(`${prometheus!.url}${path}?${query}`)).json()) as Answer;
    const ours = (await service!.app.inject({ method: 'GET', url: `${path}?${query}` })).json<Answer>();
    return [ours, theirs];
  };

  it(`gives the same answers to ${EXPRESSIONS.length} expressions as instant and range queries`, async () => {
    const s = (ms: number): string => String(ms / 1000);
    const instants = [
      data.start + 3 * 3_600_000 + 7_000,
      data.start + 5 * 3_600_000 + 1_234,
      data.end + 4 * 60_000,
    ];
    const ranges = [
      { start: data.start + 30 * 60_000, end: data.start + 5.5 * 3_600_000, step: '300' },
      { start: data.start + 3_600_000 + 500, end: data.end + 10 * 60_000, step: '137' },
      // Many steps, for what reads windows, subqueries, @ and offset: 481 steps 15 s apart.
      { start: data.start + 2 * 3_600_000, end: data.start + 4 * 3_600_000, step: '15' },
    ];
    const windowed = (expr: string): boolean => /\[|@|offset/.test(expr);
    let compared = 0;
    const differences: string[] = [];
    for (const [index, expr] of EXPRESSIONS.entries()) {
      const ordered = /^sort(_desc)?\(/.test(expr);
      for (const time of instants) {
        const [ours, theirs] = await ask('/api/v1/query', { query: expr, time: s(time) });
        compared++;
        const why = difference(ours, theirs, ordered);
        if (why !== undefined) differences.push(`instant ${expr} @ ${s(time)}: ${why}`);
      }
      if (isRangeVector(expr)) continue;
      for (const [r, range] of ranges.entries()) {
        if (r === 1 && index % 3 !== 0) continue;
        if (r === 2 && !windowed(expr)) continue;
        const [ours, theirs] = await ask('/api/v1/query_range', {
          query: expr,
          start: s(range.start),
          end: s(range.end),
          step: range.step,
        });
        compared++;
        const why = difference(ours, theirs, false);
        if (why !== undefined)
          differences.push(`range ${expr} [${s(range.start)}, ${s(range.end)}] step ${range.step}: ${why}`);
      }
    }
    console.log(
      `PromQL differential: ${compared} queries compared on ${data.seriesCount} series, ${differences.length} differ`,
    );
    for (const d of differences) console.log(`  DIFF ${d}`);
    assert.ok(compared >= 400, `${compared} queries compared`);
    assert.ok(data.seriesCount >= 200, `${data.seriesCount} series`);
    assert.deepEqual(differences, []);
  });

  it('formats expressions as Prometheus does (format_query), errors with the same type', async () => {
    const expressions = [...EXPRESSIONS, ...FORMAT_EXPRESSIONS];
    const differences: string[] = [];
    let errors = 0;
    let sameWords = 0;
    for (const query of expressions) {
      const [ours, theirs] = await ask('/api/v1/format_query', { query });
      if (theirs.status === 'error') {
        errors++;
        if (ours.error === theirs.error) sameWords++;
        if (ours.status !== 'error' || ours.errorType !== theirs.errorType)
          differences.push(`${query}: ${JSON.stringify(ours)} vs prometheus ${JSON.stringify(theirs)}`);
        continue;
      }
      if (ours.status !== 'success' || ours.data !== theirs.data)
        differences.push(
          `${query}:\n${JSON.stringify(ours.data ?? ours.error)}\nvs prometheus\n${JSON.stringify(theirs.data)}`,
        );
    }
    console.log(
      `format_query differential: ${expressions.length} expressions, ${differences.length} differ; ${sameWords} of ${errors} errors worded as Prometheus`,
    );
    for (const d of differences) console.log(`  DIFF ${d}`);
    assert.deepEqual(differences, []);
  });
});
