"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.TokenError = exports.MAX_TOKEN_BYTES = void 0;
exports.verifyAccessToken = verifyAccessToken;
const jsonwebtoken_1 = __importDefault(require("jsonwebtoken"));
exports.MAX_TOKEN_BYTES = 8 * 1024;
/** Why a token was refused; the message is safe to show to the client. */
class TokenError extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
        this.name = 'TokenError';
    }
}
exports.TokenError = TokenError;
/** Checks a bearer token the way the gateway promises: pinned algorithms, JWKS key, iss, aud, time, revocation. */
async function verifyAccessToken(token, options) {
    if (Buffer.byteLength(token) > exports.MAX_TOKEN_BYTES)
        throw new TokenError('token_too_large', 'Token is too large');
    const decoded = jsonwebtoken_1.default.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string')
        throw new TokenError('invalid_token', 'Malformed token');
    const { alg, kid } = decoded.header;
    // Checked before any key is chosen, so `none` and HMAC-with-the-public-key never reach verification.
    if (!options.algorithms.includes(alg)) {
        throw new TokenError('invalid_token', `Token algorithm ${alg} is not accepted`);
    }
    if (!kid)
        throw new TokenError('invalid_token', 'Token has no key id');
    const key = await options.jwks.getKey(kid);
    if (!key)
        throw new TokenError('invalid_token', 'Token signed with an unknown key');
    let payload;
    try {
        payload = jsonwebtoken_1.default.verify(token, key, {
            algorithms: options.algorithms,
            issuer: options.issuer,
            audience: options.audience,
            clockTolerance: options.clockToleranceSeconds,
        });
    }
    catch (err) {
        const name = err.name;
        if (name === 'TokenExpiredError')
            throw new TokenError('token_expired', 'Token has expired');
        if (name === 'NotBeforeError')
            throw new TokenError('invalid_token', 'Token is not valid yet');
        throw new TokenError('invalid_token', `Invalid token: ${err.message}`);
    }
    const { sub, username, jti, iat, exp } = payload;
    if (typeof sub !== 'string' || typeof username !== 'string' || typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
        throw new TokenError('invalid_token', 'Token lacks required claims');
    }
    const claims = { sub, username, jti, iat, exp };
    if (await options.revocations.isRevoked(claims))
        throw new TokenError('token_revoked', 'Token has been revoked');
    return claims;
}
//# sourceMappingURL=token-verifier.js.map