import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';

/** A JWT_SECRET the security suites know, so they can forge tokens the service must refuse. */
export const TEST_JWT_SECRET = 'test-jwt-secret-for-forging-tokens-0123456789';

/** The Authorization header for a token; `''` sends none (see startTestApp's inject). */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

let sessions = 0;

/**
 * Creates a user as the test admin and logs in as them: their access and refresh tokens. Each login comes
 * from its own address, so suites with a low LOGIN_RATE_LIMIT can still make users.
 */
export async function userSession(
  app: FastifyInstance,
  name: string,
  role: 'admin' | 'editor' | 'viewer',
  password = `${role}-password-0123456789`,
): Promise<{ access: string; refresh: string; password: string }> {
  const created = await app.inject({
    method: 'POST',
    url: '/api/auth/users',
    payload: { name, password, role },
  });
  if (created.statusCode !== 201) throw new Error(`creating ${name}: ${created.body}`);
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { authorization: '' },
    payload: { username: name, password },
    remoteAddress: `10.200.${String(++sessions >> 8)}.${String(sessions & 255)}`,
  });
  if (login.statusCode !== 200) throw new Error(`login ${name}: ${login.body}`);
  const body = login.json<{ accessToken: string; refreshToken: string }>();
  return { access: body.accessToken, refresh: body.refreshToken, password };
}

/** Creates an API token with these scopes as the test admin: the secret. */
export async function apiToken(
  app: FastifyInstance,
  scopes: ('ingest' | 'read' | 'admin')[],
  extra: { expiresIn?: number } = {},
): Promise<{ id: string; token: string }> {
  const created = await app.inject({
    method: 'POST',
    url: '/api/auth/tokens',
    payload: { name: `test-${scopes.join('-')}`, scopes, ...extra },
  });
  if (created.statusCode !== 201) throw new Error(`creating a token: ${created.body}`);
  return created.json<{ id: string; token: string }>();
}

/** A JWT shaped like the service's, signed with `secret`, expiring at `exp` (seconds). */
export async function forgeJwt(options: {
  secret?: string;
  sub: string;
  role?: string;
  ver?: number;
  exp: number;
}): Promise<string> {
  return new SignJWT({ role: options.role ?? 'admin', ver: options.ver ?? 1 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer('metrics-service')
    .setAudience('metrics-service:api')
    .setIssuedAt(options.exp - 900)
    .setExpirationTime(options.exp)
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** An unsigned token (`alg: none`), which must never be accepted. */
export function unsignedJwt(sub: string): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 600;
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub, role: 'admin', ver: 1, exp, iss: 'metrics-service', aud: 'metrics-service:api' })}.`;
}
