import type { Role, TokenScope } from '../storage/ports.js';

/**
 * What a route asks of its caller. `public` needs nothing; the others need that permission:
 * - read: every GET of metrics, health, alerts, dashboards and /metrics;
 * - ingest: writing samples (POST /api/metrics/custom, batch, business);
 * - write: changing rules, services, channels, silences, acknowledging and resolving alerts;
 * - admin: users, API tokens and the audit log;
 * - authenticated: any valid credential (who am I, change my own password).
 */
export type Access = 'public' | 'authenticated' | 'read' | 'ingest' | 'write' | 'admin';
export type Permission = Exclude<Access, 'public' | 'authenticated'>;

const ALL: readonly Permission[] = ['read', 'ingest', 'write', 'admin'];

/** Roles of people (login): admin everything, editor changes configuration (and may ingest), viewer reads. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ALL,
  editor: ['read', 'ingest', 'write'],
  viewer: ['read'],
};

/** Scopes of machine tokens: an ingest token cannot read, a read token (Prometheus, Grafana) cannot write. */
export const SCOPE_PERMISSIONS: Readonly<Record<TokenScope, readonly Permission[]>> = {
  admin: ALL,
  ingest: ['ingest'],
  read: ['read'],
};

export function permissionsOfScopes(scopes: readonly TokenScope[]): ReadonlySet<Permission> {
  return new Set(scopes.flatMap((scope) => SCOPE_PERMISSIONS[scope]));
}

export function allPermissions(): ReadonlySet<Permission> {
  return new Set(ALL);
}
