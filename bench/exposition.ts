import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';
import { benchServices, report } from './support.js';

const FAMILIES = 10;
const SERIES_PER_FAMILY = 10_000; // the default MAX_SERIES_PER_METRIC

/**
 * /metrics with 100,000 ingested series against prom-client's registry.metrics() holding the same series
 * (same names, labels and values) in the same process, and the longest event-loop stall while ours renders.
 * Ours is measured after every value changed (the worst case: every line formatted again), after one
 * family in ten changed (a usual scrape), and with nothing changed (the cached rendering).
 */
export async function benchExposition(rounds = 10): Promise<void> {
  const { services, dir } = await benchServices({ MAX_ACTIVE_SERIES: '200000' });
  const peer = new Registry();
  const gauges = Array.from(
    { length: FAMILIES },
    (_, f) =>
      new Gauge({ name: `expo_${f}`, help: 'bench', labelNames: ['instance', 'shard'], registers: [peer] }),
  );
  let round = 0;
  /** Sets new values (a random-walk-like fraction) in families [from, to) of both registries. */
  const change = async (from: number, to: number): Promise<void> => {
    round++;
    for (let f = from; f < to; f++) {
      const metrics = [];
      for (let s = 0; s < SERIES_PER_FAMILY; s++) {
        const labels = { instance: `host-${String(s % 50)}`, shard: String(s) };
        const value = Math.round((s + round * 1.37) * 100) / 100;
        gauges[f]!.set(labels, value);
        metrics.push({ name: `expo_${f}`, value, labels, help: 'bench' });
      }
      const outcome = await services.ingest.ingest(metrics, 'custom');
      if (outcome.rejected.length > 0) throw new Error(JSON.stringify(outcome.rejected[0]));
    }
  };
  await change(0, FAMILIES);
  // The stall is measured only while ours renders, not while the setup ingests new values: a fresh
  // histogram per round, because a re-enabled one counts the time it was off as one long delay.
  let maxStallMs = 0;
  const timeIt = async (before: () => Promise<void>, render: () => Promise<unknown>): Promise<number> => {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < rounds; r++) {
      await before();
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const started = performance.now();
      await render();
      best = Math.min(best, performance.now() - started);
      delay.disable();
      if (render === ours) maxStallMs = Math.max(maxStallMs, delay.max / 1e6);
    }
    return best;
  };
  const ours = (): Promise<unknown> => services.exposition.render('text');
  // Ours first, so the stall measured is ours and not a collection of the peer's garbage.
  const allChangedMs = await timeIt(() => change(0, FAMILIES), ours);
  const oneFamilyMs = await timeIt(() => change(round % FAMILIES, (round % FAMILIES) + 1), ours);
  const peerMs = await timeIt(
    () => Promise.resolve(),
    () => peer.metrics(),
  );
  const cachedStart = performance.now();
  await services.exposition.render('text');
  const cachedMs = performance.now() - cachedStart;
  report('exposition', {
    series: FAMILIES * SERIES_PER_FAMILY,
    ours_all_changed_ms: allChangedMs,
    ours_one_family_in_ten_changed_ms: oneFamilyMs,
    ours_nothing_changed_ms: cachedMs,
    prom_client_ms: peerMs,
    speedup_all_changed: peerMs / allChangedMs,
    speedup_one_family_changed: peerMs / oneFamilyMs,
    max_event_loop_stall_ms: maxStallMs,
    target: '>= 5x faster, stall < 50 ms',
  });
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
