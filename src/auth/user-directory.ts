import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import type { EventBus } from '../support/event-bus.js';
import type { AuthStore, Role, StoredUser } from '../storage/ports.js';
import type { AuthEvents } from './auth-events.js';
import {
  MIN_PASSWORD_LENGTH,
  hashPassword,
  randomPassword,
  verifyPassword,
  verifyNothing,
} from './password.js';

export const MAX_PASSWORD_LENGTH = 1024;
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface UserView {
  name: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
}

export function userView(user: StoredUser): UserView {
  return {
    name: user.name,
    role: user.role,
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
}

function checkPassword(password: string, name: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH)
    throw new DomainError(
      'invalid_user',
      422,
      `a password has ${String(MIN_PASSWORD_LENGTH)} to ${String(MAX_PASSWORD_LENGTH)} characters`,
      'password',
    );
  if (password.toLowerCase().includes(name.toLowerCase()))
    throw new DomainError('invalid_user', 422, 'the password must not contain the user name', 'password');
}

/**
 * People who log in: their roles, passwords (scrypt) and token versions. Changing a password or a role, or
 * deleting a user, bumps the version (every earlier login token is refused), deletes their refresh tokens
 * and announces it so their live sockets are cut. The last admin cannot be removed or demoted.
 */
export class UserDirectory {
  constructor(
    private readonly store: AuthStore,
    private readonly bus: EventBus<AuthEvents>,
    private readonly log: Logger,
  ) {}

  /**
   * First start with no user: `admin` with ADMIN_PASSWORD, or a random password printed once to the log
   * (it cannot be read back later; the hash alone is stored).
   */
  async bootstrap(adminPassword: string | undefined): Promise<void> {
    if ((await this.store.countUsers()) > 0) return;
    const password = adminPassword ?? randomPassword();
    let admin: StoredUser;
    try {
      admin = await this.newUser({ name: 'admin', password, role: 'admin' });
    } catch (error) {
      if (error instanceof DomainError) throw new Error(`ADMIN_PASSWORD is not usable: ${error.message}`);
      throw error;
    }
    // Replicas started at once all saw no user: the store lets exactly one of them create the first one.
    if (!(await this.store.createFirstUser(admin))) return;
    if (adminPassword === undefined)
      this.log.warn(
        { user: 'admin', password },
        'first start: created the user admin with this generated password; it is shown once, change it after logging in',
      );
    else this.log.info({ user: 'admin' }, 'first start: created the user admin with ADMIN_PASSWORD');
  }

  list(): Promise<StoredUser[]> {
    return this.store.listUsers();
  }

  get(id: string): Promise<StoredUser | undefined> {
    return this.store.getUser(id);
  }

  async byName(name: string): Promise<StoredUser> {
    const user = await this.store.getUserByName(name);
    if (user === undefined) throw new DomainError('user_not_found', 404, `no user ${name}`, 'name');
    return user;
  }

  async create(input: { name: string; password: string; role: Role }): Promise<StoredUser> {
    if (!USER_NAME.test(input.name))
      throw new DomainError(
        'invalid_user',
        422,
        'a user name has 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit',
        'name',
      );
    checkPassword(input.password, input.name);
    if ((await this.store.getUserByName(input.name)) !== undefined)
      throw new DomainError('user_exists', 409, `the user ${input.name} exists already`, 'name');
    const user = await this.newUser(input);
    await this.store.saveUser(user);
    return user;
  }

  /** A checked user record, not stored yet. */
  private async newUser(input: { name: string; password: string; role: Role }): Promise<StoredUser> {
    checkPassword(input.password, input.name);
    const now = Date.now();
    return {
      id: randomUUID(),
      name: input.name,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      tokenVersion: 1,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The user whose name and password these are, in the same time whether the name exists or not. */
  async authenticate(name: string, password: string): Promise<StoredUser | undefined> {
    const user = name.length <= 64 ? await this.store.getUserByName(name) : undefined;
    if (password.length > MAX_PASSWORD_LENGTH) return undefined;
    const valid =
      user === undefined ? await verifyNothing(password) : await verifyPassword(password, user.passwordHash);
    return valid ? user : undefined;
  }

  async update(name: string, change: { password?: string; role?: Role }): Promise<StoredUser> {
    const user = await this.byName(name);
    if (change.role !== undefined && change.role !== 'admin' && user.role === 'admin')
      await this.keepAnAdmin(user);
    if (change.password !== undefined) checkPassword(change.password, name);
    const updated: StoredUser = {
      ...user,
      role: change.role ?? user.role,
      passwordHash: change.password === undefined ? user.passwordHash : await hashPassword(change.password),
      tokenVersion: user.tokenVersion + 1,
      updatedAt: Date.now(),
    };
    await this.store.saveUser(updated);
    await this.revoke(user.id);
    return updated;
  }

  async remove(name: string): Promise<void> {
    const user = await this.byName(name);
    if (user.role === 'admin') await this.keepAnAdmin(user);
    await this.store.deleteUser(user.id);
    this.bus.emit('credentials.revoked', { userId: user.id });
  }

  private async revoke(userId: string): Promise<void> {
    await this.store.deleteRefreshTokensOf(userId);
    this.bus.emit('credentials.revoked', { userId });
  }

  private async keepAnAdmin(user: StoredUser): Promise<void> {
    const admins = (await this.store.listUsers()).filter((u) => u.role === 'admin' && u.id !== user.id);
    if (admins.length === 0)
      throw new DomainError(
        'last_admin',
        409,
        `${user.name} is the last admin; make another admin first`,
        'name',
      );
  }
}
