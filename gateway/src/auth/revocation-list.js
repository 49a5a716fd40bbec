"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RevocationList = exports.revokedUserKey = exports.revokedJtiKey = void 0;
const common_1 = require("@app/common");
/** Redis keys written by the auth service when it revokes a token or all of a user's tokens. */
const revokedJtiKey = (jti) => `auth:revoked:jti:${jti}`;
exports.revokedJtiKey = revokedJtiKey;
const revokedUserKey = (userId) => `auth:revoked:user:${userId}`;
exports.revokedUserKey = revokedUserKey;
/**
 * Revoked tokens, checked in memory first and then in Redis. The memory copy is fed by
 * `token.revoked` events, so revocations still hold while Redis is unreachable.
 */
class RevocationList {
    redis;
    logger;
    timeoutMs;
    jtis = new Map();
    users = new Map();
    constructor(redis, logger, timeoutMs) {
        this.redis = redis;
        this.logger = logger;
        this.timeoutMs = timeoutMs;
    }
    remember(event) {
        const now = Date.now() / 1000;
        if (event.jti && event.exp && event.exp > now)
            this.jtis.set(event.jti, event.exp);
        if (event.userId && event.before)
            this.users.set(event.userId, Math.max(event.before, this.users.get(event.userId) ?? 0));
        this.prune(now);
    }
    async isRevoked(claims) {
        if (this.jtis.has(claims.jti))
            return true;
        const userBefore = this.users.get(claims.sub);
        if (userBefore !== undefined && claims.iat <= userBefore)
            return true;
        if (this.redis.status !== 'ready')
            return false;
        try {
            const [jti, user] = await (0, common_1.withTimeout)(this.redis.mget((0, exports.revokedJtiKey)(claims.jti), (0, exports.revokedUserKey)(claims.sub)), this.timeoutMs, 'revocation lookup');
            return jti !== null || (user !== null && claims.iat <= Number(user));
        }
        catch (err) {
            // Redis being slow must not fail logins everywhere; events keep the memory copy current.
            this.logger.warn({ err: String(err) }, 'revocation lookup skipped');
            return false;
        }
    }
    prune(now) {
        if (this.jtis.size < 10_000)
            return;
        for (const [jti, exp] of this.jtis)
            if (exp <= now)
                this.jtis.delete(jti);
    }
}
exports.RevocationList = RevocationList;
//# sourceMappingURL=revocation-list.js.map