import { randomUUID } from 'node:crypto';
import { AppError, type Logger } from '@app/common';
import type { RefreshTokenRepository } from '../data/refresh-token-repository';
import type { RevocationStore } from '../data/revocation-store';
import type { UserRecord, UserRepository } from '../data/user-repository';
import type { AuthEvents } from '../events/auth-events';
import type { AccessTokens } from './access-tokens';
import { normaliseUsername } from './account-rules';
import type { LoginThrottle } from './login-throttle';
import { verifyPassword } from './passwords';
import { looksLikeRefreshToken, newRefreshToken, refreshTokenHash } from './refresh-token-secret';

export type LoginResult = 'success' | 'invalid_credentials' | 'rate_limited' | 'error';

export interface TokenPair {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
}

export interface SessionDeps {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  accessTokens: AccessTokens;
  throttle: LoginThrottle;
  revocations: RevocationStore;
  events: AuthEvents;
  logger: Logger;
  refreshTokenTtlSeconds: number;
  onLogin?: (result: LoginResult) => void;
}

const invalidCredentials = () => AppError.unauthorized('Incorrect username or password', 'invalid_credentials');
const invalidRefreshToken = () => AppError.unauthorized('The refresh token is invalid, expired or revoked', 'invalid_grant');

/** Login, refresh-token rotation and logout. */
export function sessions(deps: SessionDeps) {
  const { users, refreshTokens, accessTokens, throttle, revocations, events, logger } = deps;

  /** Issues a pair whose refresh token succeeds `parentHash`; undefined when that parent already has a successor. */
  async function issue(user: UserRecord, familyId: string, parentHash: string, now: Date): Promise<TokenPair | undefined> {
    const refreshToken = newRefreshToken();
    const access = accessTokens.issue(user, now.getTime(), familyId);
    const stored = await refreshTokens.create({
      tokenHash: refreshTokenHash(refreshToken),
      parentHash,
      familyId,
      userId: user.id,
      expiresAt: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000),
      now,
      accessJti: access.claims.jti,
      accessExpiresAt: new Date(access.claims.exp * 1000),
    });
    if (!stored) return undefined;
    return { access_token: access.token, token_type: 'bearer', expires_in: access.expiresIn, refresh_token: refreshToken };
  }

  /**
   * Ends a session: its refresh tokens, and the access tokens handed out with them that still live.
   * Returns how many access tokens it revoked.
   */
  async function endFamily(familyId: string, userId: string, now: Date): Promise<number> {
    await refreshTokens.revokeFamily(familyId, now);
    const live = await refreshTokens.liveAccessTokens(familyId, now);
    for (const token of live) {
      await revocations.revokeAccessToken(token.jti, token.exp, now.getTime());
      await events.accessTokenRevoked({ userId, ...token });
    }
    return live.length;
  }

  async function revokeReused(familyId: string, userId: string, now: Date) {
    const accessTokensRevoked = await endFamily(familyId, userId, now);
    logger.warn({ userId, familyId, accessTokensRevoked }, 'refresh token reused; family revoked');
  }

  async function login(username: string, password: string, clientIp: string): Promise<TokenPair> {
    // The attempt is taken before the password is checked: concurrent guesses cannot outrun the count.
    const attempt = await throttle.beginLogin(normaliseUsername(username), clientIp);
    const user = await users.findByUsername(username);
    // Unknown users are checked against a throwaway hash: same work, same answer, same time.
    const valid = await verifyPassword(user?.passwordHash, password);
    if (!user || !valid) {
      await attempt.failed();
      throw invalidCredentials();
    }
    await attempt.succeeded();
    const familyId = randomUUID();
    const pair = await issue(user, familyId, `login:${familyId}`, new Date());
    if (!pair) throw new Error('a new token family collided with an existing one');
    return pair;
  }

  return {
    async login(username: string, password: string, clientIp: string): Promise<TokenPair> {
      try {
        const tokens = await login(username, password, clientIp);
        deps.onLogin?.('success');
        return tokens;
      } catch (err) {
        const code = err instanceof AppError ? err.status : 500;
        deps.onLogin?.(code === 401 ? 'invalid_credentials' : code === 429 ? 'rate_limited' : 'error');
        throw err;
      }
    },

    /**
     * Trades a refresh token for a new pair. Each token works once; presenting a used one means
     * it was copied, so its whole family (every token descended from the same login) is revoked.
     */
    async refresh(refreshToken: string): Promise<TokenPair> {
      if (!looksLikeRefreshToken(refreshToken)) throw invalidRefreshToken();
      const tokenHash = refreshTokenHash(refreshToken);
      const now = new Date();
      const presented = await refreshTokens.use(tokenHash, now);
      if (presented.status === 'replayed') await revokeReused(presented.token.familyId, presented.token.userId, now);
      if (presented.status !== 'accepted') throw invalidRefreshToken();
      const record = presented.token;
      const user = await users.findById(record.userId);
      if (!user) {
        await endFamily(record.familyId, record.userId, now);
        throw invalidRefreshToken();
      }
      const pair = await issue(user, record.familyId, tokenHash, now);
      if (!pair) {
        // Another request rotated this same token a moment ago: it was presented twice.
        await revokeReused(record.familyId, record.userId, now);
        throw invalidRefreshToken();
      }
      // A reuse that revoked the family between our use() and the insert above (which also made the new
      // token the family's newest) would miss the new access token: look again and revoke what we just
      // issued (the family mark already stops the new refresh token).
      if (await refreshTokens.isFamilyRevoked(record.familyId)) {
        await endFamily(record.familyId, record.userId, new Date());
        throw invalidRefreshToken();
      }
      return pair;
    },

    /**
     * Ends the caller's session: the access token presented, the session (refresh-token family) it
     * was issued in, and, when given, the family of a refresh token that belongs to the caller.
     */
    async logout(callerId: string, accessToken: string, refreshToken?: string): Promise<void> {
      const claims = accessTokens.verify(accessToken);
      if (claims.sub !== callerId) {
        throw AppError.unauthorized('The access token does not belong to the caller', 'invalid_token');
      }
      await revocations.revokeAccessToken(claims.jti, claims.exp);
      await events.accessTokenRevoked({ userId: claims.sub, jti: claims.jti, exp: claims.exp });
      const families = new Set<string>();
      if (claims.sid) families.add(claims.sid);
      if (refreshToken && looksLikeRefreshToken(refreshToken)) {
        const record = await refreshTokens.findByHash(refreshTokenHash(refreshToken));
        // Someone else's refresh token is ignored, not revoked: logout must not be a way to log others out.
        if (record && record.userId === callerId) families.add(record.familyId);
      }
      for (const familyId of families) await endFamily(familyId, callerId, new Date());
    },
  };
}

export type Sessions = ReturnType<typeof sessions>;
