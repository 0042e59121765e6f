import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROBES } from '../../src/health/probes/probe-registry.js';
import { resolveDefinition } from '../../src/health/resolve-definition.js';
import { EgressGuard } from '../../src/security/egress-guard.js';

const guard = new EgressGuard(['127.0.0.1']);
const CHECKS = Number(process.env.CHECKS ?? 20);

/**
 * Issue 20: a gRPC target that accepts TCP and never speaks (no HTTP/2 settings, no TLS handshake) must not
 * keep a socket per check. grpc-js's client.close() leaves a connection still in its handshake open; the
 * probe destroys the sockets it owns when the check ends.
 */
describe('gRPC checks of a silent server leave no connection open', () => {
  let server: Server;
  const open = new Set<Socket>();
  let accepted = 0;

  before(async () => {
    // Loaded with the first check otherwise: on a loaded host that alone can outlast a short timeout.
    await import('@grpc/grpc-js');
    await import('grpc-health-check');
    server = createServer((socket) => {
      accepted++;
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => {
    for (const socket of open) socket.destroy();
    server.close();
  });

  for (const scheme of ['grpc', 'grpcs'] as const)
    it(`${scheme}://: ${String(CHECKS)} timed-out checks, then no connection left`, async () => {
      const before = accepted;
      const url = `${scheme}://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
      const definition = resolveDefinition(
        { name: 'silent', url, timeout: 5000, interval: 5000, retries: 1 },
        { interval: 30_000, timeout: 5000, retries: 3 },
        guard,
      );
      const results = await Promise.all(
        Array.from({ length: CHECKS }, () =>
          PROBES[definition.type].run(definition, { guard, signal: AbortSignal.timeout(definition.timeout) }),
        ),
      );
      for (const result of results) assert.equal(result.ok, false);
      assert.ok(accepted - before >= 1, 'the checks did connect');
      const deadline = Date.now() + 3000;
      while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(open.size, 0, `${String(open.size)} connections still open after the checks ended`);
    });
});
