import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckScheduler, phaseOf } from './scheduler.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('check scheduler', () => {
  it('spreads keys over the interval, bounds concurrency, and a slow job delays nobody else', async () => {
    const runs = new Map<string, number[]>();
    let running = 0;
    let peak = 0;
    const lateness: number[] = [];
    const started = Date.now();
    const scheduler = new CheckScheduler(
      async (key) => {
        running++;
        peak = Math.max(peak, running);
        runs.set(key, [...(runs.get(key) ?? []), Date.now() - started]);
        await sleep(key === 'slow' ? 900 : 5); // 'slow' holds its slot for almost an interval
        running--;
        return 400;
      },
      { concurrency: 8, onLateness: (ms) => lateness.push(ms) },
    );
    for (let i = 0; i < 100; i++) scheduler.add(`svc-${String(i)}`, 400);
    scheduler.add('slow', 400, 0);
    await sleep(1300);
    scheduler.stop();
    assert.ok(peak <= 8, `peak concurrency ${String(peak)}`);
    // Phases spread the first runs over the interval instead of one burst: no key runs before its phase
    // (a burst would run them all at once). Lateness is allowed: a loaded host delayed a share of them past
    // 200 ms once, which an earlier count on each side of 200 ms read as no spread.
    const early = [...runs.entries()].filter(
      ([key, times]) => key !== 'slow' && times[0]! < phaseOf(key, 400) - 20,
    );
    assert.deepEqual(early, [], 'first runs before their phase');
    const phases = [...runs.keys()].filter((k) => k !== 'slow').map((k) => phaseOf(k, 400));
    assert.ok(phases.filter((p) => p < 200).length > 25 && phases.filter((p) => p >= 200).length > 25);
    for (const [key, times] of runs) {
      if (key === 'slow') continue;
      assert.ok(times.length >= 3, `${key} ran ${String(times.length)} times`);
    }
    // The slow job never stacks: a due time that comes while it runs is skipped.
    assert.ok((runs.get('slow') ?? []).length <= 2);
    lateness.sort((a, b) => a - b);
    // Loose on purpose: timers on a loaded 2-core CI host fire tens of ms late; the benchmark measures lateness.
    assert.ok(
      (lateness[Math.floor(lateness.length * 0.99)] ?? 0) < 300,
      `p99 lateness ${String(lateness.at(-1))}`,
    );
  });

  it('phases are stable per key and inside the interval', () => {
    assert.equal(phaseOf('api', 30_000), phaseOf('api', 30_000));
    for (const key of ['a', 'b', 'service-42']) {
      const phase = phaseOf(key, 1000);
      assert.ok(phase >= 0 && phase < 1000);
    }
  });
});
