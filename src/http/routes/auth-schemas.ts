import { Type } from '@sinclair/typebox';
import { MIN_PASSWORD_LENGTH } from '../../auth/password.js';
import { MAX_PASSWORD_LENGTH } from '../../auth/user-directory.js';

export const RoleSchema = Type.Union(
  [Type.Literal('admin'), Type.Literal('editor'), Type.Literal('viewer')],
  {
    description: 'admin: everything; editor: rules, services, channels, silences, acknowledge; viewer: read.',
  },
);
export const ScopeSchema = Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('admin')]);
const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH });

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
    code: Type.Optional(
      Type.String({
        maxLength: 32,
        description:
          'With two-factor authentication on: the code of the authenticator app, or a recovery code.',
      }),
    ),
  },
  { additionalProperties: false },
);
export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export const LoginResultSchema = Type.Object({
  accessToken: Type.String({ description: 'A JWT for Authorization: Bearer, valid JWT_TTL seconds.' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer(),
  refreshToken: Type.String({ description: 'Trades for a new pair once at POST /api/auth/refresh.' }),
  user: Type.Object({ name: Type.String(), role: RoleSchema }),
  enrolmentRequired: Type.Optional(
    Type.Literal(true, {
      description:
        'Your role requires two-factor authentication and you have none yet: this session may only enrol (POST /api/auth/2fa/totp).',
    }),
  ),
});
export const PasswordChangeBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }), newPassword: Password },
  { additionalProperties: false },
);
export const UserSchema = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export const UserInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), password: Password, role: RoleSchema },
  { additionalProperties: false },
);
export const UserPatch = Type.Object(
  { password: Type.Optional(Password), role: Type.Optional(RoleSchema) },
  { additionalProperties: false, minProperties: 1 },
);
export const MeSchema = Type.Object({
  authenticated: Type.Boolean({
    description: 'False when no token was sent and authentication is on: log in first.',
  }),
  kind: Type.Union([Type.Literal('user'), Type.Literal('token'), Type.Literal('anonymous')]),
  name: Type.String(),
  role: Type.Optional(RoleSchema),
  scopes: Type.Optional(Type.Array(ScopeSchema)),
  permissions: Type.Array(Type.String()),
  enrolmentRequired: Type.Optional(Type.Literal(true)),
});
export const TokenInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 3 }),
    expiresIn: Type.Optional(
      Type.Integer({ minimum: 60, maximum: 10 * 365 * 86_400, description: 'Seconds; none: until revoked.' }),
    ),
  },
  { additionalProperties: false },
);
export const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const CreatedTokenSchema = Type.Composite([
  TokenSchema,
  Type.Object({ token: Type.String({ description: 'The secret, shown this once; only its hash is kept.' }) }),
]);
export const AuditQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  actor: Type.Optional(Type.String({ maxLength: 256 })),
  action: Type.Optional(
    Type.String({
      maxLength: 256,
      description: 'Entries whose action starts with this, like `POST /api/alerts/` or `DELETE `.',
    }),
  ),
  target: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      pattern: '^\\S+$',
      description: 'Entries whose target has this part, like `id=42` or `name=checkout`.',
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
export const AuditSchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String({ description: 'Method and route template, like PUT /api/alerts/rules/:id.' }),
  target: Type.String({ description: 'Route parameters and the name of what was created.' }),
  status: Type.Integer(),
  ip: Type.String(),
  requestId: Type.String(),
});
