import { AppError, type Logger } from '@app/common';
import type { AuthEvents, RefreshTokenRepository, RevocationStore, UserRecord, UserRepository } from './ports';
import { normaliseUsername } from './account-rules';
import type { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './passwords';

/** An account made at start-up (the demo user of a development stack). */
export interface SeedUser {
  username: string;
  password: string;
}

export interface PublicUser {
  id: string;
  username: string;
  createdAt: string;
}

export interface AccountDeps {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  revocations: RevocationStore;
  events: AuthEvents;
  throttle: LoginThrottle;
  logger: Logger;
}

export function publicUser(user: UserRecord): PublicUser {
  return { id: user.id, username: user.username, createdAt: user.createdAt.toISOString() };
}

/** Registration, profile and account deletion. Input is already validated against the account rules. */
export class Accounts {
  constructor(private readonly deps: AccountDeps) {}

  async register(input: { username: string; password: string }, clientIp: string): Promise<PublicUser> {
    const { throttle, users, events, logger } = this.deps;
    // Before the hash: each registration costs a slow hash and a stored account.
    await throttle.beginRegistration(clientIp);
    const passwordHash = await hashPassword(input.password);
    const user = await users.create({ username: input.username, passwordHash });
    await events.userRegistered({ userId: user.id, username: user.username });
    logger.info({ userId: user.id }, 'user registered');
    return publicUser(user);
  }

  async profile(userId: string): Promise<PublicUser> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw AppError.notFound('User not found');
    return publicUser(user);
  }

  /**
   * Deletes the account and its refresh tokens, and revokes every access token issued so far
   * (Redis for the gateways that read it, an event for those that keep it in memory).
   * The current password is required: a stolen access token alone must not be enough to destroy
   * the account. Its checks count against the same limits as logins.
   */
  async deleteAccount(userId: string, password: string, clientIp: string, now = Date.now()): Promise<void> {
    const { users, throttle, refreshTokens, revocations, events, logger } = this.deps;
    const current = await users.findById(userId);
    if (!current) throw AppError.notFound('User not found');
    const attempt = await throttle.beginLogin(normaliseUsername(current.username), clientIp);
    if (!(await verifyPassword(current.passwordHash, password))) {
      await attempt.failed();
      throw AppError.unauthorized('The password is not correct', 'invalid_credentials');
    }
    await attempt.succeeded();
    const user = await users.deleteById(userId);
    if (!user) throw AppError.notFound('User not found');
    await refreshTokens.deleteForUser(userId);
    const before = Math.floor(now / 1000);
    await revocations.revokeUserTokens(userId, before);
    await events.userTokensRevoked({ userId, before });
    await events.userDeleted({ userId, username: user.username });
    logger.info({ userId }, 'user deleted');
  }

  /**
   * Creates the configured demo users that do not exist yet. Safe to run on every start and on
   * several instances at once: the unique index decides, and a lost race is not an error.
   */
  async seed(seedUsers: SeedUser[]): Promise<void> {
    const { users, events, logger } = this.deps;
    for (const seedUser of seedUsers) {
      if (await users.findByUsername(seedUser.username)) continue;
      try {
        const user = await users.create({ username: seedUser.username, passwordHash: await hashPassword(seedUser.password) });
        await events.userRegistered({ userId: user.id, username: user.username });
        logger.info({ username: user.username }, 'seed user created');
      } catch (err) {
        if (err instanceof AppError && err.status === 409) continue;
        throw err;
      }
    }
  }
}
