import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Gauge, Registry } from 'prom-client';
import { buildApp } from '../src/app.js';
import { costOf, stallFigures } from './event-loop-stall.js';
import { BENCH_AUTH, benchServices, report } from './support.js';

const FAMILIES = 10;
const SERIES_PER_FAMILY = 10_000; // the default MAX_SERIES_PER_METRIC
/** What Prometheus 3 sends: OpenMetrics first. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

/** One scrape by curl (out of process, so the client's CPU is not counted); returns the bytes received. */
async function curl(url: string, headers: Record<string, string>, compressed: boolean): Promise<number> {
  const args = ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download}'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (compressed) args.push('--compressed');
  const { stdout } = await promisify(execFile)('curl', [...args, url], { encoding: 'utf8' });
  return Number(stdout);
}

/**
 * /metrics with 100,000 ingested series against prom-client's registry.metrics() holding the same series
 * (same names, labels and values) in the same process. In process: the rendering after every value changed
 * (the worst case), after one family in ten changed (a usual scrape) and with nothing changed, with the
 * longest event-loop stall while ours renders (wall clock, and less the run-queue wait: see costOf).
 * Through HTTP, scraped by curl: the server's CPU per scrape (compression threads included) in both
 * formats, plain and gzip, and prom-client's registry served by a bare node:http server.
 * Figures are medians over `rounds` (CPU: mean per round).
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
  const oneFamily = (): Promise<void> => change(round % FAMILIES, (round % FAMILIES) + 1);
  await change(0, FAMILIES);

  const ours = (): Promise<unknown> => services.exposition.render('text');
  // The host's own noise in the same run: rounds with no work.
  const idle = await costOf(rounds, () => new Promise((resolve) => setTimeout(resolve, 3)));
  // Ours first, so the stall measured is ours and not a collection of the peer's garbage.
  const allChanged = await costOf(rounds, ours, () => change(0, FAMILIES));
  const oneChanged = await costOf(rounds, ours, oneFamily);
  const nothingChanged = await costOf(rounds, ours);
  const peerRender = await costOf(rounds, () => peer.metrics());

  const app = await buildApp(services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}/metrics`;
  const peerServer = createServer((_req, res) => {
    void peer.metrics().then((text) => res.writeHead(200, { 'content-type': peer.contentType }).end(text));
  });
  await new Promise<void>((resolve) => peerServer.listen(0, '127.0.0.1', resolve));
  const peerUrl = `http://127.0.0.1:${String((peerServer.address() as AddressInfo).port)}/metrics`;
  const bytes: Record<string, number> = {};
  const scrape = (name: string, target: string, accept: string, compressed: boolean) => async () => {
    bytes[name] = await curl(target, { ...BENCH_AUTH, accept }, compressed);
  };
  const text = 'text/plain;version=0.0.4';
  await scrape('warm-up', url, PROMETHEUS_ACCEPT, true)();
  await scrape('warm-up', url, text, true)();
  const http = {
    text: await costOf(rounds, scrape('text', url, text, false)),
    openmetrics: await costOf(rounds, scrape('openmetrics', url, PROMETHEUS_ACCEPT, false)),
    textGzip: await costOf(rounds, scrape('text_gzip', url, text, true)),
    openmetricsGzip: await costOf(rounds, scrape('openmetrics_gzip', url, PROMETHEUS_ACCEPT, true)),
    openmetricsGzipOneChanged: await costOf(
      rounds,
      scrape('openmetrics_gzip', url, PROMETHEUS_ACCEPT, true),
      oneFamily,
    ),
    promClient: await costOf(rounds, scrape('prom_client', peerUrl, text, false)),
  };

  report('exposition', {
    series: FAMILIES * SERIES_PER_FAMILY,
    ours_all_changed_ms: allChanged.wall.p50,
    ours_one_family_in_ten_changed_ms: oneChanged.wall.p50,
    ours_nothing_changed_ms: nothingChanged.wall.p50,
    prom_client_ms: peerRender.wall.p50,
    speedup_all_changed: peerRender.wall.p50 / allChanged.wall.p50,
    speedup_one_family_changed: peerRender.wall.p50 / oneChanged.wall.p50,
    ...stallFigures('all_changed', allChanged),
    idle_stall_max_ms: idle.stall.max,
    idle_own_stall_max_ms: idle.ownStall?.max ?? 'n/a',
    http_text_cpu_ms: http.text.cpuMs,
    http_openmetrics_cpu_ms: http.openmetrics.cpuMs,
    openmetrics_vs_text: http.openmetrics.cpuMs / http.text.cpuMs,
    http_text_gzip_cpu_ms: http.textGzip.cpuMs,
    http_openmetrics_gzip_cpu_ms: http.openmetricsGzip.cpuMs,
    http_openmetrics_gzip_one_family_changed_cpu_ms: http.openmetricsGzipOneChanged.cpuMs,
    ...stallFigures('http_gzip_one_changed', http.openmetricsGzipOneChanged),
    http_prom_client_cpu_ms: http.promClient.cpuMs,
    http_speedup_quiet: http.promClient.cpuMs / http.text.cpuMs,
    bytes_text: bytes.text ?? 0,
    bytes_text_gzip: bytes.text_gzip ?? 0,
    bytes_openmetrics_gzip: bytes.openmetrics_gzip ?? 0,
    target: '>= 5x faster, stall < 50 ms, OpenMetrics at the cost of text',
  });
  peerServer.close();
  await app.close();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
