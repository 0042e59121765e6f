import type { Server } from 'node:http';
import {
  monitorEventLoopDelay,
  PerformanceObserver,
  type IntervalHistogram,
  type PerformanceEntry,
} from 'node:perf_hooks';
import type { IngestSample } from '../../ingest/sample-schema.js';
import type { HttpRecorder, RouteTotals } from '@metrics-service/client';
import { DurationHistogram } from './duration-histogram.js';

type Sample = IngestSample;

const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const QUERY_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

/**
 * The service's own behaviour as stored series (category `application`, names under `metrics_service_`),
 * so the query API gives their percentiles and history and alert rules can watch them: HTTP traffic (from
 * the same HttpRecorder the client middleware uses), active connections, event-loop lag, heap, GC and the
 * store's query durations. Each tick pushes what changed since the previous one.
 */
export class ApplicationCollector {
  readonly storeQueries = new DurationHistogram(QUERY_BUCKETS);
  private readonly gc = new DurationHistogram(GC_BUCKETS);
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly gcObserver: PerformanceObserver;
  private readonly seen = new Map<RouteTotals, { count: number; sum: number; counts: Float64Array }>();
  private server: Server | undefined;

  constructor(
    readonly http: HttpRecorder,
    private readonly sink: (samples: Sample[]) => Promise<void>,
  ) {
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
        this.gc.observe(GC_KINDS[kind] ?? 'other', entry.duration / 1000);
      }
    });
  }

  /** Starts watching the event loop and GC (only when the collector runs: both cost a little, always). */
  start(): void {
    this.loop.enable();
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  /** The HTTP server whose open connections are reported. */
  watch(server: Server): void {
    this.server = server;
  }

  async collect(): Promise<void> {
    const samples: Sample[] = [];
    this.httpSamples(samples);
    const gauge = (name: string, value: number, help: string, unit: string): void => {
      samples.push({ name, type: 'gauge', value, help, unit });
    };
    if (this.server?.listening === true) {
      const server = this.server;
      const open = await new Promise<number>((resolve) => {
        server.getConnections((error, count) => {
          resolve(error === null ? count : 0);
        });
      });
      gauge('metrics_service_http_active_connections', open, 'Open client connections.', '');
    }
    if (this.loop.count > 0) {
      gauge(
        'metrics_service_eventloop_lag_p99_seconds',
        this.loop.percentile(99) / 1e9,
        'Event-loop delay, 99th percentile since the previous collection.',
        'seconds',
      );
      gauge(
        'metrics_service_eventloop_lag_mean_seconds',
        this.loop.mean / 1e9,
        'Event-loop delay, mean since the previous collection.',
        'seconds',
      );
      gauge(
        'metrics_service_eventloop_lag_max_seconds',
        this.loop.max / 1e9,
        'Event-loop delay, longest since the previous collection.',
        'seconds',
      );
      this.loop.reset();
    }
    const memory = process.memoryUsage();
    gauge('metrics_service_heap_used_bytes', memory.heapUsed, 'V8 heap in use.', 'bytes');
    gauge('metrics_service_heap_total_bytes', memory.heapTotal, 'V8 heap reserved.', 'bytes');
    gauge('metrics_service_resident_memory_bytes', memory.rss, 'Resident set size of the process.', 'bytes');
    for (const { label, counts, sum } of this.gc.drain()) {
      samples.push(
        histogram(
          'metrics_service_gc_duration_seconds',
          'Garbage collection pauses, by kind.',
          GC_BUCKETS,
          { kind: label },
          counts,
          sum,
        ),
      );
    }
    for (const { label, counts, sum } of this.storeQueries.drain()) {
      samples.push(
        histogram(
          'metrics_service_store_query_duration_seconds',
          'Range queries answered from the store, by operation.',
          QUERY_BUCKETS,
          { operation: label },
          counts,
          sum,
        ),
      );
    }
    await this.sink(samples);
  }

  stop(): void {
    this.loop.disable();
    this.gcObserver.disconnect();
  }

  private httpSamples(out: Sample[]): void {
    for (const totals of this.http.all()) {
      const before = this.seen.get(totals);
      const count = totals.count - (before?.count ?? 0);
      if (count === 0) continue;
      const labels = { method: totals.method, route: totals.route, status_code: totals.status };
      out.push({
        name: 'metrics_service_http_requests_total',
        type: 'counter',
        value: count,
        help: 'HTTP requests served, by method, route template and status class.',
        labels,
      });
      const counts = Array.from(totals.buckets, (c, i) => c - (before?.counts[i] ?? 0));
      out.push(
        histogram(
          'metrics_service_http_request_duration_seconds',
          'HTTP request duration, by method, route template and status class.',
          this.http.buckets,
          labels,
          counts,
          totals.sum - (before?.sum ?? 0),
        ),
      );
      this.seen.set(totals, { count: totals.count, sum: totals.sum, counts: totals.buckets.slice() });
    }
  }
}

function histogram(
  name: string,
  help: string,
  buckets: readonly number[],
  labels: Record<string, string>,
  counts: number[],
  sum: number,
): Sample {
  return {
    name,
    type: 'histogram',
    value: 0,
    help,
    unit: 'seconds',
    buckets: [...buckets],
    labels,
    observations: { counts, sum },
  };
}
