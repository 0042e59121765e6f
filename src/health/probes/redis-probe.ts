import type { Probe, ProbeReason } from './probe.js';
import { credentialsOf, expectationReason, measured } from './measured.js';

/**
 * Redis check (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS): connect, authenticate,
 * run `query` (a read-only command, default `PING`); with `expected`, the reply must be one of them (a
 * list reply: must contain them). ioredis is loaded with the first such check.
 */
export const redisProbe: Probe = {
  run(definition, context) {
    const url = new URL(definition.url);
    const { user, password, database } = credentialsOf(url);
    let close: (() => void) | undefined;
    return measured(
      definition,
      context,
      async (): Promise<ProbeReason | undefined> => {
        const address = await context.guard.resolveHost(url.hostname);
        const { Redis } = await import('ioredis');
        const client = new Redis({
          host: address,
          port: url.port === '' ? 6379 : Number(url.port),
          ...(user === undefined ? {} : { username: user }),
          ...(password === undefined ? {} : { password }),
          db: database === undefined ? 0 : Number(database),
          connectTimeout: definition.timeout,
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
          ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
        });
        // A refused AUTH closes the connection: connect() then only says so; the reason came as an event.
        let lastError: Error | undefined;
        client.on('error', (error: Error) => {
          lastError = error;
        });
        close = () => {
          client.disconnect();
        };
        try {
          try {
            await client.connect();
          } catch (error) {
            const text = [lastError?.message, (error as Error).message].filter(Boolean).join('; ');
            if (/WRONGPASS|NOAUTH|AUTH/.test(text))
              return { code: 'auth_failed', message: text.slice(0, 500) };
            throw lastError ?? error;
          }
          const [command = 'PING', ...args] = (definition.query ?? 'PING').trim().split(/\s+/);
          let reply: unknown;
          try {
            reply = await client.call(command, ...args);
          } catch (error) {
            const text = (error as Error).message;
            if (/NOAUTH|WRONGPASS/.test(text)) return { code: 'auth_failed', message: text.slice(0, 500) };
            return { code: 'query_error', message: text.slice(0, 500) };
          }
          const answers = Array.isArray(reply) ? reply.map(String) : [String(reply)];
          return expectationReason(definition.expected, answers, `the reply to ${command.toUpperCase()}`);
        } finally {
          client.disconnect();
        }
      },
      () => close?.(),
    );
  },
};
