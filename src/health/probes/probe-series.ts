import type { ProbeSeries } from './probe.js';

/** The type-specific gauges probes may return: help and unit as /metrics shows them. */
export const PROBE_SERIES: Readonly<Record<string, { help: string; unit: string }>> = {
  probe_icmp_rtt_seconds: {
    help: 'Average round-trip time of the echo requests of the last ping check.',
    unit: 'seconds',
  },
  probe_icmp_packet_loss_ratio: {
    help: 'Share of echo requests of the last ping check without a reply.',
    unit: '',
  },
  probe_ping_tcp_fallback: {
    help: '1 when the ping check used a TCP connect because ICMP was not permitted.',
    unit: '',
  },
  probe_grpc_status_code: { help: 'gRPC status code of the last health check (0 = OK).', unit: '' },
  probe_grpc_serving: { help: '1 when the last gRPC health check answered SERVING.', unit: '' },
  probe_tls_days_left: {
    help: 'Days until the certificate of the last TLS check expires (negative: expired).',
    unit: 'days',
  },
  probe_push_age_seconds: { help: 'Seconds since the last heartbeat of a push monitor.', unit: 'seconds' },
  probe_push_ping_seconds: {
    help: 'Duration the job reported with its last heartbeat (ping=…).',
    unit: 'seconds',
  },
};

export const PROBE_SERIES_NAMES = Object.keys(PROBE_SERIES);

type Gauge = (name: string, value: number, help: string, unit?: string) => unknown;

/** The extra gauges of a result, made by the recorder's own gauge maker (same labels and timestamp). */
export function extraSamples<T>(
  series: readonly ProbeSeries[] | undefined,
  gauge: (...args: Parameters<Gauge>) => T,
): T[] {
  return (series ?? [])
    .filter((s) => PROBE_SERIES[s.name] !== undefined && Number.isFinite(s.value))
    .map((s) => gauge(s.name, s.value, PROBE_SERIES[s.name]!.help, PROBE_SERIES[s.name]!.unit));
}
