import { AppError, confirmWrites, revokedJtiKey, revokedUserKey, withTimeout, type Logger, type RedisClient } from '@app/common';
import type { RevocationStore } from '../domain/ports';

const USER_REVOCATION_TTL_SECONDS = 24 * 3600;
const REDIS_WRITE_TIMEOUT_MS = 1000;

/**
 * Writes revocations where the gateway looks for them. A failed write is logged, not thrown:
 * the token.revoked event still reaches the gateways, which keep revocations in memory.
 */
export class RedisRevocationStore implements RevocationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  /** Revokes one access token until it would have expired anyway. */
  revokeAccessToken(userId: string, jti: string, exp: number, now = Date.now()): Promise<boolean> {
    const ttl = exp - Math.floor(now / 1000);
    if (ttl <= 0) return Promise.resolve(true);
    return this.write('jti', () => this.redis.set(revokedJtiKey(userId, jti), '1', 'EX', ttl));
  }

  /**
   * Whether an access token was revoked, by its jti or with all of its user's tokens, as the gateway
   * decides it. Without Redis the answer is unknown: 503, never a guess that a token is active.
   */
  async isAccessTokenRevoked(claims: { jti: string; sub: string; iat: number }): Promise<boolean> {
    try {
      const [byJti, userBefore] = await withTimeout(
        Promise.all([this.redis.exists(revokedJtiKey(claims.sub, claims.jti)), this.redis.get(revokedUserKey(claims.sub))]),
        REDIS_WRITE_TIMEOUT_MS,
        'redis read',
      );
      return byJti === 1 || (userBefore !== null && claims.iat <= Number(userBefore));
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'revocation state unreadable');
      throw AppError.unavailable('redis');
    }
  }

  /** Revokes every access token of a user issued at or before `before` (unix seconds). */
  revokeUserTokens(userId: string, before: number): Promise<boolean> {
    const ttl = Math.max(USER_REVOCATION_TTL_SECONDS, this.accessTokenTtlSeconds);
    return this.write('user', () => this.redis.set(revokedUserKey(userId), String(before), 'EX', ttl));
  }

  private async write(what: string, run: () => Promise<unknown>): Promise<boolean> {
    try {
      await withTimeout(
        (async () => {
          await run();
          // Through Sentinel, written only once a replica holds it (a failover would lose it otherwise).
          await confirmWrites(this.redis, REDIS_WRITE_TIMEOUT_MS);
        })(),
        REDIS_WRITE_TIMEOUT_MS,
        'redis write',
      );
      return true;
    } catch (err) {
      this.logger.warn({ err: String(err), what }, 'revocation not written to redis; relying on the token.revoked event');
      return false;
    }
  }
}
