import { rmSync } from 'node:fs';
import { startChildService } from '../test/support/child-service.js';
import { V1_HEADERS } from '../test/support/remote-write.js';
import { ADMIN_AUTH } from '../test/support/test-app.js';
import { remoteWriteSource } from './remote-write-bodies.js';
import { measure } from './remote-write.js';
import { median, report, tempDir } from './support.js';

/**
 * The remote-write bench's load on two checkouts at once, for a before/after on a shared, loaded host:
 * `node --import tsx bench/remote-write-ab.ts <other checkout> [rounds=10] [seconds=3]` starts the service
 * of the other checkout (a `git archive` copy with a node_modules link) and of this one, each with its own
 * body source, both up for the whole run, and alternates the load between them (A B, then B A, …), so
 * both see the same minutes of the host's load. Prints each one's server CPU µs per accepted sample
 * (median of the rounds) and the median of the per-round ratios this/other, the figure to quote.
 */
const [other, roundsArg, secondsArg] = process.argv.slice(2);
if (other === undefined)
  throw new Error('usage: bench/remote-write-ab.ts <other checkout> [rounds] [seconds]');
const rounds = Number(roundsArg ?? 10);
const seconds = Number(secondsArg ?? 3);

// Each checkout's own child-service helper starts that checkout's src/main.ts.
const starters: { startChildService: typeof startChildService }[] = [
  (await import(`${other}/test/support/child-service.ts`)) as { startChildService: typeof startChildService },
  { startChildService },
];
const headers = { ...V1_HEADERS, ...ADMIN_AUTH };
const targets = [];
for (const [i, starter] of starters.entries()) {
  const dir = tempDir('remote-write-ab');
  const service = await starter.startChildService(
    { DATA_DIR: dir, LOG_LEVEL: 'error', RATE_LIMIT_MAX: '10000000' },
    180_000,
  );
  targets.push({
    name: i === 0 ? 'other' : 'this',
    service,
    dir,
    source: remoteWriteSource(),
    cpu: [] as number[],
  });
}

try {
  // The first pass creates the 10,000 series and lets V8 optimise; not counted. 20 s a service
  // (BENCH_RW_WARMUP_SECONDS): V8's compiler threads stay busy for about that long under load.
  const warmUp = Number(process.env.BENCH_RW_WARMUP_SECONDS ?? 20);
  for (const t of targets) await measure(t.service.url, '/api/v1/write', headers, t.source, warmUp);
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const result = await measure(
        t.service.url,
        '/api/v1/write',
        headers,
        t.source,
        seconds,
        t.service.child.pid,
      );
      if (result.non2xx > 0) throw new Error(`${t.name}: ${JSON.stringify(result.refusals)}`);
      t.cpu.push(result.cpuUs);
    }
    const [a, b] = targets.map((t) => t.cpu[round]!);
    ratios.push(b! / a!);
    console.log(
      `round ${String(round + 1)}: other ${a!.toFixed(3)} this ${b!.toFixed(3)} µs a sample; this/other ${(b! / a!).toFixed(3)}`,
    );
  }
  report(`remote-write A/B (median of ${String(rounds)} alternated rounds of ${String(seconds)} s)`, {
    other_cpu_us_per_sample: median(targets[0]!.cpu),
    this_cpu_us_per_sample: median(targets[1]!.cpu),
    this_vs_other: median(ratios),
  });
} finally {
  for (const t of targets) {
    t.service.child.kill('SIGTERM');
    await t.service.exited;
    rmSync(t.dir, { recursive: true, force: true });
  }
}
