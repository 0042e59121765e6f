import { Type } from '@sinclair/typebox';
import { MAX_PASSWORD_LENGTH } from '../../auth/user-directory.js';
import { LoginResultSchema } from './auth-schemas.js';

const Code = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'The 6-digit code the authenticator app shows now, or one unused recovery code (xxxxx-xxxxx).',
});

export const TwoFactorStatusSchema = Type.Object({
  enabled: Type.Boolean(),
  pending: Type.Boolean({ description: 'An enrolment was begun and waits for its first code.' }),
  confirmedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  recoveryCodesLeft: Type.Integer(),
  required: Type.Boolean({ description: 'Your role must have it (TOTP_REQUIRED_ROLES).' }),
});
export const EnrolBody = Type.Object(
  {
    password: Type.String({
      minLength: 1,
      maxLength: MAX_PASSWORD_LENGTH,
      description: 'Your password, again.',
    }),
  },
  { additionalProperties: false },
);
export const EnrolmentSchema = Type.Object({
  secret: Type.String({ description: 'Base32, to type into an app by hand.' }),
  otpauthUri: Type.String({ description: 'otpauth://totp/… (what the QR code holds).' }),
  qrCodeSvg: Type.String({ description: 'The URI as a QR code, an SVG document.' }),
});
export const CodeBody = Type.Object({ code: Code }, { additionalProperties: false });
export const RecoveryCodesSchema = Type.Object({
  recoveryCodes: Type.Array(Type.String(), {
    description: 'Ten one-time codes for a lost device, shown this once; only their hashes are kept.',
  }),
});
export const ConfirmedSchema = Type.Composite([
  RecoveryCodesSchema,
  Type.Object({
    session: Type.Composite([LoginResultSchema], {
      description: 'Every earlier session of yours was ended; this one replaces the one you used.',
    }),
  }),
]);
