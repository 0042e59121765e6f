import { Type } from '@sinclair/typebox';
import fastJson from 'fast-json-stringify';
import { jsonPoints } from '../src/domain/sample-value.js';
import { PointSchema } from '../src/http/routes/value-schemas.js';
import { report, seeded } from './support.js';

/**
 * What ADR 0008 costs a range query's answer: 10 series of 500 points serialised as the route does now
 * (points as two-item arrays whose value may be "NaN"/"+Inf"/"-Inf", through jsonPoints) against the
 * former schema (a [number, number] tuple) in the same run. CPU time of `rounds` serialisations, median
 * of `runs`.
 */
export function benchValueSerialisation(runs = 7, rounds = 200): void {
  const rnd = seeded(3);
  const series = Array.from({ length: 10 }, (_, s) => ({
    labels: { shop: `s${String(s)}` },
    points: Array.from({ length: 500 }, (_, i): [number, number] => [
      1_796_000_000_000 + i * 15_000,
      Math.round(rnd() * 10_000) / 100,
    ]),
  }));
  const answer = (points: ReturnType<typeof Type.Array>) =>
    Type.Object({
      series: Type.Array(Type.Object({ labels: Type.Record(Type.String(), Type.String()), points })),
    });
  const before = fastJson(answer(Type.Array(Type.Tuple([Type.Number(), Type.Number()]))));
  const now = fastJson(answer(Type.Array(PointSchema())));
  const cpu = (work: () => unknown): number => {
    const started = process.cpuUsage();
    for (let i = 0; i < rounds; i++) work();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const baseline: number[] = [];
  const ours: number[] = [];
  for (let run = 0; run < runs; run++) {
    baseline.push(cpu(() => before({ series })));
    ours.push(cpu(() => now({ series: series.map((s) => ({ ...s, points: jsonPoints(s.points) })) })));
  }
  report('value_serialisation', {
    points: 10 * 500,
    rounds,
    runs,
    tuple_cpu_ms_median: median(baseline),
    json_values_cpu_ms_median: median(ours),
    ratio_vs_tuple: median(ours) / median(baseline),
  });
}
