import { createHash, randomBytes } from 'node:crypto';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token: 256 random bits, base64url. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps instead of the token: a leaked table cannot be replayed. */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function looksLikeRefreshToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
