import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '@app/common';
import type { KeyRing } from './signing-keys';

export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessTokenClaims {
  sub: string;
  username: string;
  iat: number;
  exp: number;
  jti: string;
  /** The session (refresh-token family) the token belongs to, so logout and reuse can end all of it. */
  sid?: string;
  /** RFC 9068: the client the token was issued to, and the scope granted. Absent from tokens signed before both were added. */
  client_id?: string;
  scope?: string;
}

/** What a token was issued for: the client and the scope granted (RFC 9068 section 2.2). */
export interface Grant {
  clientId: string;
  scope: string;
}

/** Claims a verified token also carries, for introspection (RFC 7662). */
export interface VerifiedAccessClaims extends AccessTokenClaims {
  iss: string;
  aud: string | string[];
}

// RFC 9068 section 2.1: the media type of a JWT access token, so it cannot pass for another kind of JWT.
const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  claims: AccessTokenClaims;
}

/** Signs short-lived access tokens with the current key and checks tokens this service signed. */
export class AccessTokens {
  constructor(
    private readonly keys: KeyRing,
    private readonly options: AccessTokenOptions,
  ) {}

  get issuer(): string {
    return this.options.issuer;
  }

  issue(user: { id: string; username: string }, grant: Grant, now = Date.now(), sessionId?: string): IssuedAccessToken {
    const iat = Math.floor(now / 1000);
    const claims: AccessTokenClaims = {
      sub: user.id,
      username: user.username,
      iat,
      exp: iat + this.options.ttlSeconds,
      jti: randomUUID(),
      ...(sessionId ? { sid: sessionId } : {}),
      client_id: grant.clientId,
      scope: grant.scope,
    };
    const { current } = this.keys;
    const token = jwt.sign({ ...claims, iss: this.options.issuer, aud: this.options.audience }, current.privateKey, {
      algorithm: current.alg,
      keyid: current.kid,
      header: { alg: current.alg, typ: ACCESS_TOKEN_TYPE },
    });
    return { token, expiresIn: this.options.ttlSeconds, claims };
  }

  /** The claims of a token signed by one of our keys, for our audience; 401 for anything else. */
  verify(token: string): VerifiedAccessClaims {
    const invalid = () => AppError.unauthorized('The access token is invalid', 'invalid_token');
    const decoded = jwt.decode(token, { complete: true });
    const kid = decoded?.header.kid;
    const key = kid ? this.keys.verificationKeys.get(kid) : undefined;
    if (!key) throw invalid();
    // Tokens signed before RFC 9068's header was added carry `JWT` or nothing; they expire within one lifetime.
    const typ = decoded?.header.typ;
    if (typ !== undefined && typ !== ACCESS_TOKEN_TYPE && typ.toUpperCase() !== 'JWT') throw invalid();
    let payload: jwt.JwtPayload | string;
    try {
      // The algorithm comes from our key, never from the token's header.
      payload = jwt.verify(token, key.publicKey, {
        algorithms: [key.alg],
        issuer: this.options.issuer,
        audience: this.options.audience,
      });
    } catch {
      throw invalid();
    }
    if (
      typeof payload === 'string' ||
      typeof payload.sub !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.exp !== 'number' ||
      typeof payload.iat !== 'number' ||
      typeof payload.iss !== 'string' ||
      payload.aud === undefined
    ) {
      throw invalid();
    }
    return {
      iss: payload.iss,
      aud: payload.aud,
      sub: payload.sub,
      username: typeof payload.username === 'string' ? payload.username : '',
      iat: payload.iat,
      exp: payload.exp,
      jti: payload.jti,
      ...(typeof payload.sid === 'string' ? { sid: payload.sid } : {}),
      ...(typeof payload.client_id === 'string' ? { client_id: payload.client_id } : {}),
      ...(typeof payload.scope === 'string' ? { scope: payload.scope } : {}),
    };
  }
}
