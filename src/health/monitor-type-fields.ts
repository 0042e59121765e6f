import { Type } from '@sinclair/typebox';

/**
 * Fields of the second batch of monitor types (issue 20): push/heartbeat, ping, gRPC health, TLS expiry,
 * TCP banners and JSONata checks. Kept apart from service-schema.ts so each batch reads on its own; the
 * schema spreads them into the service input.
 */
export const MONITOR_TYPE_FIELDS = {
  payload: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        'tcp: text sent once connected (e.g. "PING\\r\\n"); the banner is then read for `keyword`.',
    }),
  ),
  readLimitBytes: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_048_576,
      description: 'tcp with keyword: bytes read at most before judging (default 65536).',
    }),
  ),
  jsonata: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        'http: a JSONata expression over the JSON body; up when it yields true, e.g. status = "ok" and $count(items) > 0.',
    }),
  ),
  pushGrace: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 86_400_000,
      description:
        'push: ms allowed after the interval before a missing push makes the monitor DOWN (default 30000).',
    }),
  ),
  pingCount: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10, description: 'ping: echo requests per check (default 3).' }),
  ),
  tlsNoticeDays: Type.Optional(
    Type.Array(Type.Integer({ minimum: 1, maximum: 365 }), {
      minItems: 0,
      maxItems: 10,
      description:
        'tls: days before expiry at which a notice is sent, once per certificate (default [30, 14, 7]).',
    }),
  ),
  noticeChannels: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      maxItems: 10,
      description: 'tls: named channels the expiry notices go to (default: SLACK_WEBHOOK_URL / EMAIL_TO).',
    }),
  ),
};

/** The same settings with defaults applied, as the probes use them. */
export interface MonitorTypeSettings {
  payload: string | undefined;
  readLimitBytes: number;
  jsonata: string | undefined;
  pushGraceMs: number;
  pingCount: number;
  tlsNoticeDays: readonly number[];
  noticeChannels: readonly string[];
}
