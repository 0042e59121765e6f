import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';

/** What socket.io's `adapter` option takes. */
export type AdapterFactory = NonNullable<ServerOptions['adapter']>;

/**
 * socket.io across replicas through a Redis stream (ADR 0013: a stream, unlike pub/sub, keeps what was
 * published while a replica's reader reconnects, and it supports connection state recovery). The client
 * must not have a command timeout: the adapter blocks on XREAD for up to 5 s. The stream is trimmed to
 * about 10,000 entries, which bounds Redis memory.
 */
export async function redisStreamsAdapter(client: Redis, keyPrefix: string): Promise<AdapterFactory> {
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  return createAdapter(client, {
    streamName: `${keyPrefix}socket.io`,
    channelPrefix: `${keyPrefix}socket.io`,
    sessionKeyPrefix: `${keyPrefix}socket.io:session:`,
    maxLen: 10_000,
    onlyPlaintext: true,
  });
}
