import { isIPv6 } from 'node:net';
import type * as GrpcJs from '@grpc/grpc-js';
import type { Probe, ProbeReason, ProbeSeries } from './probe.js';
import { measured } from './measured.js';
import { OwnedSockets } from './grpc-owned-sockets.js';

/** gRPC status codes a health check meets (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;
const UNAVAILABLE = 14;

/**
 * gRPC health check (`grpc://host:port[/service.Name]`, `grpcs://` for TLS): one
 * `grpc.health.v1.Health/Check` call for the service named in the path (empty: the server as a whole);
 * UP on SERVING, DOWN with `not_serving` on NOT_SERVING / UNKNOWN / an unknown service (NOT_FOUND), with
 * `timeout` at the deadline, `connection_error` when the server cannot be reached. The connection goes to
 * the address the egress guard judged; TLS verifies the URL's host name (SNI and authority), unless
 * `ignoreTlsErrors`. @grpc/grpc-js is loaded with the first such check.
 */
export const grpcProbe: Probe = {
  run(definition, context) {
    const url = new URL(definition.url);
    const serviceName = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    const series: ProbeSeries[] = [];
    let close: (() => void) | undefined;
    return measured(
      definition,
      context,
      async (): Promise<ProbeReason | undefined> => {
        const address = await context.guard.resolveHost(url.hostname);
        const grpc = await import('@grpc/grpc-js');
        const { service } = await import('grpc-health-check');
        const Client = grpc.makeGenericClientConstructor(service, 'Health');
        const secure = url.protocol === 'grpcs:';
        const sockets = new OwnedSockets();
        const credentials = sockets.wrap(
          secure
            ? grpc.credentials.createSsl(null, null, null, {
                ...(definition.ignoreTlsErrors
                  ? { rejectUnauthorized: false, checkServerIdentity: () => undefined }
                  : {}),
              })
            : grpc.credentials.createInsecure(),
        );
        const target = `${isIPv6(address) ? `[${address}]` : address}:${url.port}`;
        const client = new Client(target, credentials, {
          'grpc.default_authority': `${url.hostname}:${url.port}`,
          ...(secure ? { 'grpc.ssl_target_name_override': url.hostname } : {}),
          // One check, one connection: no retries or keepalives left behind, and no subchannel shared with
          // other checks of the same target (the global pool would keep it past this client's close).
          'grpc.enable_retries': 0,
          'grpc.use_local_subchannel_pool': 1,
          'grpc.max_receive_message_length': 4096,
        });
        // No answer (deadline, unreachable, aborted): the connection may be stuck in its handshake, which
        // client.close() does not end; the check resets its own sockets (grpc-owned-sockets.ts).
        close = () => {
          client.close();
          sockets.destroy();
        };
        let answered = false;
        try {
          const { code, status, details } = await check(client, serviceName, definition.timeout);
          answered = code !== DEADLINE_EXCEEDED && code !== UNAVAILABLE;
          series.push({ name: 'probe_grpc_status_code', value: code });
          series.push({ name: 'probe_grpc_serving', value: status === 'SERVING' ? 1 : 0 });
          const what = serviceName === '' ? 'the server' : `service "${serviceName}"`;
          if (code === 0)
            return status === 'SERVING'
              ? undefined
              : { code: 'not_serving', message: `${what} answers ${status ?? 'no status'}` };
          if (code === NOT_FOUND)
            return { code: 'not_serving', message: `${what} is unknown to the server (NOT_FOUND)` };
          if (code === DEADLINE_EXCEEDED)
            return {
              code: 'timeout',
              message: `no answer within ${String(definition.timeout)} ms (DEADLINE_EXCEEDED)`,
            };
          if (code === UNAVAILABLE)
            return { code: 'connection_error', message: `unavailable: ${details}`.slice(0, 500) };
          return { code: 'grpc_error', message: `gRPC status ${String(code)}: ${details}`.slice(0, 500) };
        } finally {
          if (answered) client.close();
          else close();
        }
      },
      () => close?.(),
    ).then((result) => (series.length === 0 ? result : { ...result, series }));
  },
};

interface CheckAnswer {
  code: number;
  status: string | undefined;
  details: string;
}

type HealthClient = InstanceType<ReturnType<typeof GrpcJs.makeGenericClientConstructor>>;

function check(client: HealthClient, service: string, timeoutMs: number): Promise<CheckAnswer> {
  return new Promise((resolve) => {
    const call = client.Check as (
      request: { service: string },
      options: { deadline: number },
      callback: (error: { code: number; details: string } | null, response?: { status?: string }) => void,
    ) => void;
    call.call(client, { service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      if (error !== null) resolve({ code: error.code, status: undefined, details: error.details });
      else resolve({ code: 0, status: response?.status, details: '' });
    });
  });
}
