import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';

/** Below the commands client's 1 s command timeout (redis-client.ts). */
const XREAD_BLOCK_MS = 500;

/** What socket.io's `adapter` option takes. */
export type AdapterFactory = NonNullable<ServerOptions['adapter']>;

/**
 * socket.io across replicas through a Redis stream (ADR 0013: a stream, unlike pub/sub, keeps what was
 * published while a replica's reader reconnects, and it supports connection state recovery). The stream is
 * trimmed to about 10,000 entries, which bounds Redis memory. `client` is the replica's commands client
 * (1 s command timeout): the adapter writes with it and reads through a duplicate that inherits the
 * timeout, so its blocking XREAD waits less than that (a read cut short is retried from the same offset:
 * nothing is skipped).
 */
export async function redisStreamsAdapter(client: Redis, keyPrefix: string): Promise<AdapterFactory> {
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  return createAdapter(client, {
    streamName: `${keyPrefix}socket.io`,
    channelPrefix: `${keyPrefix}socket.io`,
    sessionKeyPrefix: `${keyPrefix}socket.io:session:`,
    maxLen: 10_000,
    blockTimeInMs: XREAD_BLOCK_MS,
    onlyPlaintext: true,
  });
}
