import type { Redis } from 'ioredis';

/**
 * A Redis client for the scaled-out mode. ioredis is imported only when REDIS_URL asks for it (its import
 * alone costs ~0.15 CPU-s at start, which the embedded mode must not pay). Commands time out after a
 * second and are retried once across a reconnect, so a Redis blip turns into a quick error the caller
 * handles (fall back, skip, log) instead of requests hanging.
 */
export async function openRedis(
  url: string,
  connectionName: string,
  use: 'commands' | 'blocking' = 'commands',
): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  return new RedisClient(url, {
    connectionName,
    connectTimeout: 2000,
    // A blocking XREAD (the socket.io streams adapter) waits 5 s by design: no command timeout there.
    ...(use === 'commands' ? { commandTimeout: 1000 } : {}),
    maxRetriesPerRequest: 1,
    // Reconnects forever, backing off to 2 s: a replica must heal by itself when Redis returns.
    retryStrategy: (attempt) => Math.min(2000, attempt * 100),
  });
}

/**
 * Whether the client is connected within `ms`: a replica starting on a loaded host can take a while to
 * connect, and deciding on `status` at once left it without the cross-replica socket adapter for its life.
 */
export function readyWithin(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, ms);
    client.once('ready', onReady);
  });
}

/** Closes a client without throwing (shutdown must finish even when Redis is gone). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect(); // QUIT would wait for a connection that may never come
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
