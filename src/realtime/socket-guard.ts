import type { Socket } from 'socket.io';
import { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { allPermissions } from '../auth/permissions.js';
import { DomainError } from '../domain/errors.js';
import type { Services } from '../services.js';
import type { GatewayOptions } from './gateway.js';

/** What socket.io hands the client in `connect_error`: err.message is the code, err.data says more. */
class ConnectionRefused extends Error {
  readonly data: { code: string; detail: string };
  constructor(code: string, detail: string) {
    super(code);
    this.data = { code, detail };
  }
}

/**
 * Whether a browser page may open a socket here: no Origin (not a browser), the service's own origin
 * (same host as the request), or one of CORS_ORIGINS. socket.io sees the handshake before any credential,
 * so this is the cross-site WebSocket hijacking check Uptime Kuma once lacked.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function credentialOf(socket: Socket): string | undefined {
  const fromAuth = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof fromAuth === 'string' && fromAuth !== '') return fromAuth;
  return Authenticator.bearerOf(socket.handshake.headers.authorization);
}

/**
 * Deny by default: a socket needs a token with the `read` permission, passed as `auth: { token }` in the
 * handshake (or an Authorization header), a login JWT or an API token. The principal stays on the socket;
 * the gateway cuts it when its credentials are revoked, and it is cut when its login token expires (the
 * client reconnects with a refreshed one).
 */
export function socketGuard(services: Services): GatewayOptions {
  const { auth, config } = services;
  return {
    authorize: async (socket) => {
      const { origin, host } = socket.handshake.headers;
      if (!originAllowed(origin, host, config.corsOrigins))
        throw new ConnectionRefused(
          'origin_not_allowed',
          `the origin ${String(origin)} may not open a socket here`,
        );
      let principal: Principal;
      if (!auth.enabled) principal = { kind: 'anonymous', name: 'anonymous', permissions: allPermissions() };
      else {
        try {
          const credential = credentialOf(socket);
          if (credential === undefined)
            throw new ConnectionRefused(
              'authentication_required',
              'pass a token: io(url, { auth: { token } })',
            );
          principal = await auth.authenticator.authenticate(credential);
        } catch (error) {
          if (error instanceof DomainError) throw new ConnectionRefused(error.code, error.message);
          throw error;
        }
      }
      if (!principal.permissions.has('read'))
        throw new ConnectionRefused('insufficient_scope', 'a socket needs the read permission');
      (socket.data as { principal?: Principal }).principal = principal;
      const expiresAt = principal.kind === 'anonymous' ? null : principal.expiresAt;
      if (expiresAt !== null) {
        const timer = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt - Date.now()));
        timer.unref();
        socket.once('disconnect', () => {
          clearTimeout(timer);
        });
      }
      return true;
    },
  };
}
