import { EgressDeniedError } from '../../security/egress-guard.js';
import type { ProbeReason } from './probe.js';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** The reason a connection attempt failed, from Node's error (timeouts come as the abort signal's). */
export function failureReason(error: unknown, timedOut: boolean, timeoutMs: number): ProbeReason {
  if (timedOut) return { code: 'timeout', message: `no answer within ${String(timeoutMs)} ms` };
  if (error instanceof EgressDeniedError) return { code: 'egress_denied', message: error.message };
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    if (DNS_CODES.has(code)) return { code: 'dns_error', message: text };
    if (code === 'ECONNREFUSED') return { code: 'connection_refused', message: text };
    if (code === 'ETIMEDOUT') return { code: 'timeout', message: text };
    if (TLS_CODES.test(code)) return { code: 'tls_error', message: `${code}: ${text}` };
  }
  return { code: 'connection_error', message: text };
}
