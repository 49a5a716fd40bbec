import type { Redis } from 'ioredis';
import { type Logger } from '@app/common';
/** Redis keys written by the auth service when it revokes a token or all of a user's tokens. */
export declare const revokedJtiKey: (jti: string) => string;
export declare const revokedUserKey: (userId: string) => string;
/**
 * Revoked tokens, checked in memory first and then in Redis. The memory copy is fed by
 * `token.revoked` events, so revocations still hold while Redis is unreachable.
 */
export declare class RevocationList {
    private readonly redis;
    private readonly logger;
    private readonly timeoutMs;
    private readonly jtis;
    private readonly users;
    constructor(redis: Redis, logger: Logger, timeoutMs: number);
    remember(event: {
        jti?: string;
        exp?: number;
        userId?: string;
        before?: number;
    }): void;
    isRevoked(claims: {
        jti: string;
        sub: string;
        iat: number;
    }): Promise<boolean>;
    private prune;
}
