import autocannon from 'autocannon';
import { rmSync } from 'node:fs';
import { startChildService } from '../test/support/child-service.js';
import { ADMIN_AUTH } from '../test/support/test-app.js';
import { report, tempDir } from './support.js';

const SAMPLES_PER_REQUEST = 1000;
const SERIES = 10_000;

/**
 * Durable ingest over loopback through POST /api/metrics/batch (service in a child process, autocannon
 * here), against the rate at which this process merely JSON.parses the same bodies.
 */
export async function benchIngest(durationSeconds = 10): Promise<void> {
  const bodies: string[] = [];
  for (let b = 0; b < SERIES / SAMPLES_PER_REQUEST; b++) {
    const metrics = Array.from({ length: SAMPLES_PER_REQUEST }, (_, i) => {
      const series = b * SAMPLES_PER_REQUEST + i;
      return {
        name: `bench_metric_${series % 20}`,
        type: series % 2 === 0 ? 'counter' : 'gauge',
        value: (series % 97) + 0.5,
        labels: { instance: `host-${series % 50}`, shard: String(series) },
      };
    });
    bodies.push(JSON.stringify({ metrics }));
  }

  const parseStart = performance.now();
  let parsed = 0;
  while (performance.now() - parseStart < 2000) {
    for (const body of bodies) {
      JSON.parse(body);
      parsed += SAMPLES_PER_REQUEST;
    }
  }
  const parseRate = parsed / ((performance.now() - parseStart) / 1000);

  const dir = tempDir('ingest');
  const service = await startChildService({ DATA_DIR: dir, LOG_LEVEL: 'error' });
  try {
    const result = await autocannon({
      url: `${service.url}/api/metrics/batch`,
      connections: 4,
      pipelining: 1,
      duration: durationSeconds,
      requests: bodies.map((body) => ({
        method: 'POST',
        path: '/api/metrics/batch',
        headers: { 'content-type': 'application/json', ...ADMIN_AUTH },
        body,
      })),
    });
    const ok = result['2xx'];
    const rate = (ok * SAMPLES_PER_REQUEST) / durationSeconds;
    report('ingest', {
      samples_per_s: Math.round(rate),
      json_parse_samples_per_s: Math.round(parseRate),
      ratio_vs_json_parse: rate / parseRate,
      non_2xx: result.non2xx,
      p99_latency_ms: result.latency.p99,
      target: '>= 300000 samples/s',
    });
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
