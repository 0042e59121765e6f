import { DomainError } from '../domain/errors.js';
import type { Role, SecondFactorStore } from '../storage/ports.js';
import { looksLikeRecoveryCode, newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import { newTotpSecret, totpStepOf, totpUri } from './totp.js';

export interface TotpEnrolment {
  /** Base32, for typing into an app by hand. */
  secret: string;
  otpauthUri: string;
  /** The URI as a QR code (an SVG document), for scanning. */
  qrCodeSvg: string;
}

export interface SecondFactorStatus {
  enabled: boolean;
  /** An enrolment was begun and waits for its first code. */
  pending: boolean;
  confirmedAt: string | null;
  recoveryCodesLeft: number;
  /** The user's role must have it (TOTP_REQUIRED_ROLES). */
  required: boolean;
}

/** How a login's second factor was proved. */
export type SecondFactorMethod = 'totp' | 'recovery_code';

/**
 * People's TOTP second factor (ADR 0025): enrolment with a QR code, confirmation by a first code (which
 * hands out ten one-time recovery codes), the check at login (a code is accepted once: its 30-second step
 * is recorded), and which roles must have it. Sessions and tokens are LoginSessions' business.
 */
export class SecondFactor {
  constructor(
    private readonly store: SecondFactorStore,
    private readonly requiredRoles: ReadonlySet<Role>,
    private readonly issuer: string,
    private readonly clock: () => number = Date.now,
  ) {}

  isRequiredFor(role: Role): boolean {
    return this.requiredRoles.has(role);
  }

  async isEnabled(userId: string): Promise<boolean> {
    const totp = await this.store.getTotp(userId);
    return totp?.confirmedAt !== undefined && totp.confirmedAt !== null;
  }

  async status(user: { id: string; role: Role }): Promise<SecondFactorStatus> {
    const totp = await this.store.getTotp(user.id);
    const confirmedAt = totp?.confirmedAt ?? null;
    return {
      enabled: confirmedAt !== null,
      pending: totp !== undefined && confirmedAt === null,
      confirmedAt: confirmedAt === null ? null : new Date(confirmedAt).toISOString(),
      recoveryCodesLeft: confirmedAt === null ? 0 : await this.store.countRecoveryCodes(user.id),
      required: this.isRequiredFor(user.role),
    };
  }

  /** Begins (or begins again) an enrolment; refused while a confirmed factor exists. */
  async enrol(user: { id: string; name: string }): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    if (!(await this.store.beginTotp(user.id, secret, this.clock())))
      throw new DomainError(
        'totp_enabled',
        409,
        'two-factor authentication is on already; turn it off first to enrol another device',
      );
    const otpauthUri = totpUri(secret, this.issuer, user.name);
    // qrcode loads on the first enrolment only, not at every start.
    const { default: qrcode } = await import('qrcode');
    const qrCodeSvg = await qrcode.toString(otpauthUri, {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    return { secret, otpauthUri, qrCodeSvg };
  }

  /** Confirms a pending enrolment with its first code; answers the recovery codes, shown this once. */
  async confirm(userId: string, code: string): Promise<string[]> {
    const totp = await this.store.getTotp(userId);
    if (totp === undefined || totp.confirmedAt !== null)
      throw new DomainError(
        'totp_not_pending',
        409,
        totp === undefined
          ? 'no enrolment is pending: POST /api/auth/2fa/totp first'
          : 'two-factor authentication is confirmed already',
      );
    const step = totpStepOf(totp.secret, code.trim(), this.clock());
    if (step === undefined)
      throw new DomainError(
        'invalid_totp',
        422,
        'the code does not match: check the device clock and type the code the app shows now',
        'code',
      );
    const codes = newRecoveryCodes();
    if (!(await this.store.confirmTotp(userId, step, this.clock(), codes.map(recoveryCodeHash))))
      throw new DomainError('totp_not_pending', 409, 'the enrolment was confirmed or restarted meanwhile');
    return codes;
  }

  /**
   * The second factor of a login or of a sensitive change: a current TOTP code not used before, or an
   * unused recovery code (consumed). Undefined when it proves nothing.
   */
  async verify(userId: string, code: string): Promise<SecondFactorMethod | undefined> {
    const totp = await this.store.getTotp(userId);
    if (totp?.confirmedAt === undefined || totp.confirmedAt === null) return undefined;
    const typed = code.trim();
    const step = totpStepOf(totp.secret, typed, this.clock());
    if (step !== undefined) return (await this.store.useTotpStep(userId, step)) ? 'totp' : undefined;
    if (looksLikeRecoveryCode(typed) && (await this.store.takeRecoveryCode(userId, recoveryCodeHash(typed))))
      return 'recovery_code';
    return undefined;
  }

  /** New recovery codes (the old ones stop working), against a current code. */
  async regenerateRecoveryCodes(userId: string, code: string): Promise<string[]> {
    await this.requireCode(userId, code);
    const codes = newRecoveryCodes();
    await this.store.replaceRecoveryCodes(userId, codes.map(recoveryCodeHash));
    return codes;
  }

  /** Turns it off, against a current code (refused where the role requires it). */
  async disable(user: { id: string; role: Role }, code: string): Promise<void> {
    if (this.isRequiredFor(user.role))
      throw new DomainError(
        'totp_required_by_role',
        409,
        `the ${user.role} role requires two-factor authentication (TOTP_REQUIRED_ROLES); an admin can reset it for a lost device`,
      );
    await this.requireCode(user.id, code);
    await this.store.deleteTotp(user.id);
  }

  /** An admin's reset for a lost device: no code asked. */
  async reset(userId: string): Promise<boolean> {
    const existed = (await this.store.getTotp(userId)) !== undefined;
    await this.store.deleteTotp(userId);
    return existed;
  }

  private async requireCode(id: string, code: string): Promise<void> {
    if (!(await this.isEnabled(id)))
      throw new DomainError('totp_not_enabled', 409, 'two-factor authentication is not on for this user');
    if ((await this.verify(id, code)) === undefined)
      throw new DomainError('invalid_totp', 422, 'the code is wrong, expired or used already', 'code');
  }
}
