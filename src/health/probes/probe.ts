import type { EgressGuard } from '../../security/egress-guard.js';
import type { ServiceDefinition } from '../service-schema.js';

/** Why a check failed or was degraded: a stable code for rules and filters, and words for people. */
export type ProbeReasonCode =
  | 'status_code'
  | 'timeout'
  | 'dns_error'
  | 'connection_refused'
  | 'connection_error'
  | 'tls_error'
  | 'tls_expiring'
  | 'keyword_missing'
  | 'keyword_present'
  | 'json_condition'
  | 'too_many_redirects'
  | 'slow_response'
  | 'egress_denied'
  | 'auth_failed'
  | 'query_error'
  | 'unexpected_result'
  // Push, ping, gRPC and TLS monitors (issue 20).
  | 'push_missing'
  | 'push_down'
  | 'unreachable'
  | 'packet_loss'
  | 'not_serving'
  | 'grpc_error'
  | 'tls_expired';

export interface ProbeReason {
  code: ProbeReasonCode;
  message: string;
}

export interface ProbeResult {
  ok: boolean;
  /** Wall time of the check, connection included (ms). */
  durationMs: number;
  /** Final HTTP status (after redirects); absent for TCP or when no response came. */
  statusCode?: number;
  /** When the server's certificate expires (ms since the epoch), for HTTPS. */
  tlsExpiresAt?: number;
  /** SHA-256 fingerprint of the leaf certificate, for TLS monitors (one expiry notice per certificate). */
  tlsFingerprint?: string;
  /** Why it failed (ok = false) or why it is degraded (ok = true). */
  reason?: ProbeReason;
  degraded?: boolean;
  /** Type-specific gauges (ping RTT, days of a certificate left…), written next to probe_success. */
  series?: ProbeSeries[];
}

/** One extra gauge of a check, labelled by service like the others (names listed in probe-series.ts). */
export interface ProbeSeries {
  name: string;
  value: number;
}

export interface ProbeContext {
  guard: EgressGuard;
  /** Aborts the check at the service's timeout. */
  signal: AbortSignal;
  /** The heartbeats received, for push monitors (absent where no push route runs, e.g. probe tests). */
  heartbeats?: HeartbeatReader;
}

/** What a push monitor's check reads: the last heartbeat of a service, and when watching began. */
export interface HeartbeatReader {
  /** Read from the store: the push may have reached another replica (ADR 0032). */
  last(
    service: string,
  ): Promise<{ at: number; status: 'up' | 'down'; message: string; pingMs?: number } | undefined>;
  /** When the deadline of a service without any heartbeat starts to count (creation or process start). */
  watchedSince(service: string): number;
}

/** One kind of check. Adding DNS, gRPC… is a new file implementing this and one registry entry. */
export interface Probe {
  run(definition: ServiceDefinition, context: ProbeContext): Promise<ProbeResult>;
}
