import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const TIMEOUT_MS = 2000;

/** A RESP command: arrays of bulk strings. */
function command(...parts: string[]): string {
  return `*${String(parts.length)}\r\n${parts.map((p) => `$${String(Buffer.byteLength(p))}\r\n${p}\r\n`).join('')}`;
}

/**
 * Asks the Redis server of REDIS_URL for PONG (AUTH first when the URL has credentials, TLS for rediss:),
 * for /ready and GET /api/health. Only a liveness check: the scaled-out mode will bring a real client.
 */
export function pingRedis(redisUrl: string): Promise<void> {
  const url = new URL(redisUrl);
  const port = url.port === '' ? 6379 : Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }) : connect({ host, port });
    socket.setTimeout(TIMEOUT_MS, () =>
      socket.destroy(new Error(`no answer from Redis within ${String(TIMEOUT_MS)} ms`)),
    );
    let answer = '';
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const expected = password === '' ? 1 : 2;
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      const auth =
        password === '' ? '' : user === '' ? command('AUTH', password) : command('AUTH', user, password);
      socket.write(auth + command('PING'));
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      const lines = answer.split('\r\n').filter((l) => l !== '');
      if (lines.length < expected) return;
      socket.end();
      const failure = lines.find((l) => l.startsWith('-'));
      if (failure !== undefined) reject(new Error(`Redis: ${failure.slice(1)}`));
      else if (lines[expected - 1] === '+PONG') resolve();
      else reject(new Error(`Redis answered ${lines[expected - 1] ?? ''}`));
    });
    socket.once('error', reject);
  });
}
