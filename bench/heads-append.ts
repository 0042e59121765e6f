import { resolve } from 'node:path';
import { Heads } from '../src/tsdb/heads.js';
import { median, report, seeded } from './support.js';

/**
 * CPU per `Heads.appendFrom` on the ingest bench's kind of data, this checkout against another one in
 * the same process: `node --import tsx bench/heads-append.ts <other checkout> [rounds=7]`. 10,000 series
 * (ids 1..10,000), half counters (a step of `id % 97 + 0.5` a sample, scale 1) and half gauges (a
 * repeated value), sent as requests of 1,000 samples that share one timestamp, requests 2-3 ms apart
 * with jitter and now and then a longer pause (delta-of-delta in the 7 and 14 bit buckets). Each round
 * feeds the same records to a fresh Heads of each checkout, alternating which goes first; chunks are cut
 * at 240 samples on the way (each series gets 300). Run with --expose-gc: a full collection before each
 * round, so that no round pays for the garbage of the one before.
 */
const SERIES = 10_000;
const PER_REQUEST = 1000;
const REQUESTS = 3000;

type HeadsLike = { appendFrom(record: Float64Array, at: number): boolean; ensure(id: number): unknown };

/** One write-ahead record (triples id, t, v) per request. */
function records(): Float64Array[] {
  const rnd = seeded(42);
  const counters = new Float64Array(SERIES + 1);
  const out: Float64Array[] = [];
  let t = 1_780_000_000_000;
  for (let r = 0; r < REQUESTS; r++) {
    t += 2 + Math.floor(rnd() * 2) + (rnd() < 0.02 ? Math.floor(rnd() * 300) : 0);
    const record = new Float64Array(PER_REQUEST * 3);
    const first = (r % (SERIES / PER_REQUEST)) * PER_REQUEST + 1;
    for (let i = 0; i < PER_REQUEST; i++) {
      const id = first + i;
      const step = (id % 97) + 0.5;
      record[i * 3] = id;
      record[i * 3 + 1] = t;
      record[i * 3 + 2] = id % 2 === 0 ? (counters[id]! += step) : step;
    }
    out.push(record);
  }
  return out;
}

/** CPU µs per appendFrom over every record into a fresh Heads. */
function feed(make: () => HeadsLike, data: readonly Float64Array[]): number {
  (globalThis as { gc?: () => void }).gc?.();
  const heads = make();
  for (let id = 1; id <= SERIES; id++) heads.ensure(id);
  const before = process.cpuUsage();
  for (const record of data) {
    for (let at = 0; at < record.length; at += 3) heads.appendFrom(record, at);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (data.length * PER_REQUEST);
}

const [other, roundsArg] = process.argv.slice(2);
if (other === undefined) throw new Error('usage: bench/heads-append.ts <other checkout> [rounds]');
const rounds = Number(roundsArg ?? 7);
const otherModule = (await import(resolve(other, 'src/tsdb/heads.ts'))) as {
  Heads: new () => HeadsLike;
};
const sides = [
  { name: 'other', make: () => new otherModule.Heads(), us: [] as number[] },
  { name: 'this', make: () => new Heads(), us: [] as number[] },
];
const data = records();
for (const side of sides) feed(side.make, data); // warm-up: V8 optimises both
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) side.us.push(feed(side.make, data));
}
const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
report(`heads appendFrom (${String(rounds)} alternated rounds)`, {
  other_us_per_append: median(a.us),
  this_us_per_append: median(b.us),
  this_over_other: median(b.us.map((us, i) => us / a.us[i]!)),
  other_rounds: a.us.map((us) => us.toFixed(3)).join('/'),
  this_rounds: b.us.map((us) => us.toFixed(3)).join('/'),
});
