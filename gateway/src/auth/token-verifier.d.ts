import { type Algorithm } from 'jsonwebtoken';
import type { JwksClient } from './jwks-client';
import type { RevocationList } from './revocation-list';
export declare const MAX_TOKEN_BYTES: number;
export interface VerifiedClaims {
    sub: string;
    username: string;
    jti: string;
    iat: number;
    exp: number;
}
/** Why a token was refused; the message is safe to show to the client. */
export declare class TokenError extends Error {
    readonly code: string;
    constructor(code: string, message: string);
}
export interface TokenVerifierOptions {
    jwks: JwksClient;
    revocations: RevocationList;
    algorithms: Algorithm[];
    issuer: string;
    audience: string;
    clockToleranceSeconds: number;
}
/** Checks a bearer token the way the gateway promises: pinned algorithms, JWKS key, iss, aud, time, revocation. */
export declare function verifyAccessToken(token: string, options: TokenVerifierOptions): Promise<VerifiedClaims>;
