/**
 * Domain errors carry a stable machine-readable code and the HTTP status they map to.
 * They are turned into application/problem+json in one place (http/errors.ts).
 */
export type ErrorCode =
  | 'validation_failed'
  | 'invalid_json'
  | 'invalid_otlp_body'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'too_many_samples'
  | 'invalid_metric_name'
  | 'invalid_label_name'
  | 'invalid_label_value'
  | 'too_many_labels'
  | 'invalid_value'
  | 'invalid_timestamp'
  | 'sample_too_old'
  | 'sample_in_future'
  | 'out_of_order_sample'
  | 'metric_type_conflict'
  | 'bucket_conflict'
  | 'reserved_metric_name'
  | 'series_limit_exceeded'
  | 'active_series_limit_exceeded'
  | 'invalid_query'
  | 'metric_not_found'
  | 'not_found'
  | 'invalid_service'
  | 'service_exists'
  | 'service_not_found'
  | 'service_read_only'
  | 'service_limit_exceeded'
  | 'egress_denied'
  | 'invalid_rule'
  | 'rule_not_found'
  | 'rule_read_only'
  | 'alert_not_found'
  | 'condition_still_true'
  | 'silence_not_found'
  | 'invalid_silence'
  | 'invalid_channel'
  | 'channel_not_found'
  | 'channel_in_use'
  | 'chart_not_found'
  | 'method_not_allowed'
  | 'authentication_required'
  | 'invalid_token'
  | 'token_expired'
  | 'token_revoked'
  | 'insufficient_scope'
  | 'invalid_login'
  | 'invalid_user'
  | 'user_exists'
  | 'user_not_found'
  | 'last_admin'
  | 'token_not_found'
  | 'uri_too_long'
  | 'invalid_url'
  | 'origin_not_allowed'
  | 'rate_limited'
  | 'not_ready'
  | 'storage_unavailable'
  | 'store_unavailable'
  | 'internal_error'
  // Remote write and the Pushgateway API (ADR 0016).
  | 'invalid_protobuf'
  | 'invalid_snappy'
  | 'invalid_series'
  | 'samples_rejected'
  | 'native_histogram_unsupported'
  | 'invalid_exposition'
  | 'inconsistent_metric'
  | 'invalid_grouping_key'
  // Status pages, incidents and maintenance windows (issue 19).
  | 'invalid_cron'
  | 'invalid_time_zone'
  | 'invalid_schedule'
  | 'status_page_not_found'
  | 'status_page_exists'
  | 'incident_not_found'
  | 'maintenance_not_found'
  | 'badge_not_found'
  // TOTP two-factor authentication (ADR 0025).
  | 'totp_required'
  | 'invalid_totp'
  | 'totp_enabled'
  | 'totp_not_pending'
  | 'totp_not_enabled'
  | 'totp_enrolment_required'
  | 'totp_required_by_role';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly field?: string,
    /** Extra members for the problem document (for example the rejected items of a batch). */
    readonly extra?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** A per-item rejection: the same facts as a DomainError, but plain data so batches can list many. */
export interface Rejection {
  code: ErrorCode;
  field?: string;
  reason: string;
}

export function rejection(code: ErrorCode, reason: string, field?: string): Rejection {
  return field === undefined ? { code, reason } : { code, reason, field };
}
