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
  | 'unexpected_result';

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
  /** Why it failed (ok = false) or why it is degraded (ok = true). */
  reason?: ProbeReason;
  degraded?: boolean;
}

export interface ProbeContext {
  guard: EgressGuard;
  /** Aborts the check at the service's timeout. */
  signal: AbortSignal;
}

/** One kind of check. Adding DNS, gRPC… is a new file implementing this and one registry entry. */
export interface Probe {
  run(definition: ServiceDefinition, context: ProbeContext): Promise<ProbeResult>;
}
