import { hash } from 'node:crypto';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import type { UnauthorizedCode } from '@app/common';
import type { JwksClient } from './jwks-client';

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
  constructor(
    readonly code: UnauthorizedCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface TokenVerifierOptions {
  jwks: JwksClient;
  algorithms: Algorithm[];
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

/** Checks a bearer token's signature and claims: pinned algorithms, JWKS key, iss, aud, time. Revocation is checked by admission. */
export async function verifyAccessToken(token: string, options: TokenVerifierOptions): Promise<VerifiedClaims & { kid: string }> {
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
  return { sub, username, jti, iat, exp, kid };
}

const RECENT_TOKENS = 1024;

interface Remembered {
  claims: VerifiedClaims;
  kid: string;
}

/**
 * Tokens whose signature and claims already checked out, by the token's hash, until they
 * expire: a client sends the same token for twenty minutes, and an RSA verification per
 * request is most of what a cache HIT would otherwise cost. A token stays trusted only while
 * its key is still in the JWKS, so a key withdrawn from the JWKS withdraws its tokens too.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Remembered>();
  // The hashes of the tokens seen last, by the token itself: a client sends the same token on
  // every request, and looking a string up costs less than hashing it. Small, cleared when full.
  private readonly recentIds = new Map<string, string>();

  constructor(
    private readonly options: TokenVerifierOptions,
    private readonly maxEntries = 50_000,
  ) {}

  /** The claims of a token verified before and still good, without waiting for anything; else undefined. */
  known(token: string, now = Date.now()): VerifiedClaims | undefined {
    if (token.length > MAX_TOKEN_BYTES) return undefined;
    const id = this.recentIds.get(token);
    const known = id === undefined ? undefined : this.entries.get(id);
    return known && this.stillGood(known, now) ? known.claims : undefined;
  }

  /** Not expired, and its key still in the JWKS. */
  private stillGood(known: Remembered, now: number): boolean {
    return known.claims.exp + this.options.clockToleranceSeconds > now / 1000 && this.options.jwks.hasKid(known.kid);
  }

  async verify(token: string, now = Date.now()): Promise<VerifiedClaims> {
    if (token.length > MAX_TOKEN_BYTES) throw new TokenError('token_too_large', 'Token is too large');
    let id = this.recentIds.get(token);
    if (id === undefined) {
      id = hash('sha256', token, 'base64url');
      if (this.recentIds.size >= RECENT_TOKENS) this.recentIds.clear();
      this.recentIds.set(token, id);
    }
    const known = this.entries.get(id);
    if (known) {
      if (this.stillGood(known, now)) return known.claims;
      this.entries.delete(id);
    }
    const { kid, ...claims } = await verifyAccessToken(token, this.options);
    // Insertion order is age order: dropping the first entries drops the oldest.
    if (this.entries.size >= this.maxEntries) {
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (this.entries.size < this.maxEntries * 0.9) break;
      }
    }
    this.entries.set(id, { claims, kid });
    return claims;
  }
}
