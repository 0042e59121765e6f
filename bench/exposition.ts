import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';
import { benchServices, report } from './support.js';

const FAMILIES = 10;
const SERIES_PER_FAMILY = 10_000; // the default MAX_SERIES_PER_METRIC

/**
 * /metrics with 100,000 ingested series against prom-client's registry.metrics() holding the same series
 * in the same process, and the longest event-loop stall while ours renders.
 */
export async function benchExposition(rounds = 10): Promise<void> {
  const { services, dir } = await benchServices({ MAX_ACTIVE_SERIES: '200000' });
  const peer = new Registry();
  for (let f = 0; f < FAMILIES; f++) {
    const gauge = new Gauge({
      name: `expo_${f}`,
      help: 'bench',
      labelNames: ['instance', 'shard'],
      registers: [peer],
    });
    const metrics = [];
    for (let s = 0; s < SERIES_PER_FAMILY; s++) {
      const labels = { instance: `host-${s % 50}`, shard: String(s) };
      gauge.set(labels, s + 0.5);
      metrics.push({ name: `expo_${f}`, value: s + 0.5, labels, help: 'bench' });
    }
    const outcome = await services.ingest.ingest(metrics, 'custom');
    if (outcome.rejected.length > 0) throw new Error(JSON.stringify(outcome.rejected[0]));
  }
  const timeIt = async (render: () => Promise<unknown>): Promise<number> => {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      await render();
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  const ours = (): Promise<unknown> => {
    services.registry.version++; // defeat the cache: measure a full rendering each round
    return services.exposition.render('text');
  };
  // Ours first, so the stall measured is ours and not a collection of the peer's garbage.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const oursMs = await timeIt(ours);
  delay.disable();
  const peerMs = await timeIt(() => peer.metrics());
  const cachedStart = performance.now();
  await services.exposition.render('text');
  const cachedMs = performance.now() - cachedStart;
  report('exposition', {
    series: FAMILIES * SERIES_PER_FAMILY,
    ours_ms: oursMs,
    prom_client_ms: peerMs,
    speedup: peerMs / oursMs,
    cached_ms: cachedMs,
    max_event_loop_stall_ms: delay.max / 1e6,
    target: '>= 5x faster, stall < 50 ms',
  });
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
