export interface RevocationEvent {
  jti?: string;
  exp?: number;
  userId?: string;
  before?: number;
}

/**
 * Revocations this gateway heard of through `token.revoked` events. Redis is the shared
 * record and is read on every request (in the same script as the rate limit); this copy is
 * what still refuses revoked tokens while that Redis is unreachable.
 */
export class RevocationList {
  private readonly jtis = new Map<string, number>();
  private readonly users = new Map<string, number>();

  remember(event: RevocationEvent) {
    const now = Date.now() / 1000;
    if (event.jti && event.exp && event.exp > now) this.jtis.set(event.jti, event.exp);
    if (event.userId && event.before) this.users.set(event.userId, Math.max(event.before, this.users.get(event.userId) ?? 0));
    this.prune(now);
  }

  isRevoked(claims: { jti: string; sub: string; iat: number }): boolean {
    if (this.jtis.size > 0 && this.jtis.has(claims.jti)) return true;
    if (this.users.size === 0) return false;
    const userBefore = this.users.get(claims.sub);
    return userBefore !== undefined && claims.iat <= userBefore;
  }

  private prune(now: number) {
    if (this.jtis.size < 10_000) return;
    for (const [jti, exp] of this.jtis) if (exp <= now) this.jtis.delete(jti);
  }
}
