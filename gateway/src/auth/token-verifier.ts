import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import type { JwksClient } from './jwks-client';
import type { RevocationList } from './revocation-list';

export const MAX_TOKEN_BYTES = 8 * 1024;

export interface VerifiedClaims {
  sub: string;
  username: string;
  jti: string;
  iat: number;
  exp: number;
}

/** Why a token was refused; the message is safe to show to the client. */
export class TokenError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'TokenError';
  }
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
export async function verifyAccessToken(token: string, options: TokenVerifierOptions): Promise<VerifiedClaims> {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) throw new TokenError('token_too_large', 'Token is too large');
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') throw new TokenError('invalid_token', 'Malformed token');
  const { alg, kid } = decoded.header;
  // Checked before any key is chosen, so `none` and HMAC-with-the-public-key never reach verification.
  if (!options.algorithms.includes(alg as Algorithm)) {
    throw new TokenError('invalid_token', `Token algorithm ${alg} is not accepted`);
  }
  if (!kid) throw new TokenError('invalid_token', 'Token has no key id');
  const key = await options.jwks.getKey(kid);
  if (!key) throw new TokenError('invalid_token', 'Token signed with an unknown key');
  let payload: JwtPayload;
  try {
    payload = jwt.verify(token, key, {
      algorithms: options.algorithms,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockToleranceSeconds,
    }) as JwtPayload;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TokenExpiredError') throw new TokenError('token_expired', 'Token has expired');
    if (name === 'NotBeforeError') throw new TokenError('invalid_token', 'Token is not valid yet');
    throw new TokenError('invalid_token', `Invalid token: ${(err as Error).message}`);
  }
  const { sub, username, jti, iat, exp } = payload as JwtPayload & { username?: unknown };
  if (typeof sub !== 'string' || typeof username !== 'string' || typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
    throw new TokenError('invalid_token', 'Token lacks required claims');
  }
  const claims = { sub, username, jti, iat, exp };
  if (await options.revocations.isRevoked(claims)) throw new TokenError('token_revoked', 'Token has been revoked');
  return claims;
}
