import type { Role, TokenScope } from '../storage/ports.js';
import type { Permission } from './permissions.js';

/** Who a request or a socket acts as, once its credentials are checked. */
export type Principal =
  | {
      kind: 'user';
      userId: string;
      name: string;
      role: Role;
      tokenVersion: number;
      /** When the login token stops being accepted (ms); live sockets are cut then. */
      expiresAt: number;
      permissions: ReadonlySet<Permission>;
      /** Logged in with a role that requires TOTP, not enrolled yet: no permission until they enrol. */
      enrolmentRequired?: true;
    }
  | {
      kind: 'token';
      tokenId: string;
      name: string;
      scopes: readonly TokenScope[];
      expiresAt: number | null;
      permissions: ReadonlySet<Permission>;
    }
  /** AUTH_ENABLED=false: every request acts as this one. */
  | { kind: 'anonymous'; name: 'anonymous'; permissions: ReadonlySet<Permission> };

/**
 * Who did it, as an alert's timeline shows it: the user's name, `token:<name>` for an API token (or
 * `token:ADMIN_TOKEN`), `anonymous` when authentication is off. Never what the client says it is.
 */
export function principalName(principal: Principal | undefined): string {
  if (principal === undefined) return 'anonymous';
  switch (principal.kind) {
    case 'user':
      return principal.name;
    case 'token':
      return `token:${principal.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}

/** The name the audit log records: `user:alice`, `token:ci-ingest (tok_…)`, `anonymous`. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.name}`;
    case 'token':
      return `token:${principal.name} (${principal.tokenId})`;
    case 'anonymous':
      return 'anonymous';
  }
}
