import type { Redis } from 'ioredis';
import { withTimeout, type Logger } from '@app/common';

/** Redis keys written by the auth service when it revokes a token or all of a user's tokens. */
export const revokedJtiKey = (jti: string) => `auth:revoked:jti:${jti}`;
export const revokedUserKey = (userId: string) => `auth:revoked:user:${userId}`;

/**
 * Revoked tokens, checked in memory first and then in Redis. The memory copy is fed by
 * `token.revoked` events, so revocations still hold while Redis is unreachable.
 */
export class RevocationList {
  private readonly jtis = new Map<string, number>();
  private readonly users = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  remember(event: { jti?: string; exp?: number; userId?: string; before?: number }) {
    const now = Date.now() / 1000;
    if (event.jti && event.exp && event.exp > now) this.jtis.set(event.jti, event.exp);
    if (event.userId && event.before) this.users.set(event.userId, Math.max(event.before, this.users.get(event.userId) ?? 0));
    this.prune(now);
  }

  async isRevoked(claims: { jti: string; sub: string; iat: number }): Promise<boolean> {
    if (this.jtis.has(claims.jti)) return true;
    const userBefore = this.users.get(claims.sub);
    if (userBefore !== undefined && claims.iat <= userBefore) return true;
    if (this.redis.status !== 'ready') return false;
    try {
      const [jti, user] = await withTimeout(
        this.redis.mget(revokedJtiKey(claims.jti), revokedUserKey(claims.sub)),
        this.timeoutMs,
        'revocation lookup',
      );
      return jti !== null || (user !== null && claims.iat <= Number(user));
    } catch (err) {
      // Redis being slow must not fail logins everywhere; events keep the memory copy current.
      this.logger.warn({ err: String(err) }, 'revocation lookup skipped');
      return false;
    }
  }

  private prune(now: number) {
    if (this.jtis.size < 10_000) return;
    for (const [jti, exp] of this.jtis) if (exp <= now) this.jtis.delete(jti);
  }
}
