import { randomUUID } from 'node:crypto';
import { AppError, type Logger } from '@app/common';
import type { AuthEvents, RefreshTokenRepository, RevocationStore, UserRecord, UserRepository } from './ports';
import type { AccessTokens, Grant } from './access-tokens';
import { DEFAULT_CLIENT_ID, type AuthenticatedClient } from './clients';
import { normaliseUsername } from './account-rules';
import type { LoginThrottle } from './login-throttle';
import { verifyPassword } from './passwords';
import { looksLikeRefreshToken, newRefreshToken, refreshTokenHash } from './refresh-token-secret';
import type { ScopePolicy } from './scopes';

export type LoginResult = 'success' | 'invalid_credentials' | 'rate_limited' | 'error';

export interface TokenPair {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
  /** The scope granted, always stated (RFC 6749 section 5.1), so a client never has to guess. */
  scope: string;
}

/** Who asks for tokens and for what (RFC 6749 sections 2.3 and 3.3). */
export interface GrantRequest {
  client: AuthenticatedClient;
  scope?: string;
}

/** An RFC 7662 introspection answer: `{active:false}` alone for anything not currently valid. */
export type Introspection =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      username: string;
      token_type: 'Bearer' | 'refresh_token';
      exp: number;
      iat: number;
      sub: string;
      aud?: string | string[];
      iss: string;
      jti?: string;
    };

export type TokenTypeHint = 'access_token' | 'refresh_token';

export interface SessionDeps {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  accessTokens: AccessTokens;
  throttle: LoginThrottle;
  revocations: RevocationStore;
  events: AuthEvents;
  logger: Logger;
  scopes: ScopePolicy;
  refreshTokenTtlSeconds: number;
  onLogin?: (result: LoginResult) => void;
}

// RFC 6749 section 5.2: a wrong password or a bad refresh token is an invalid grant (400), not a 401.
const invalidCredentials = () => AppError.oauth('invalid_grant', 'Incorrect username or password');
const invalidRefreshToken = () => AppError.oauth('invalid_grant', 'The refresh token is invalid, expired or revoked');
const otherClients = () => AppError.oauth('unauthorized_client', 'The token was issued to another client');

/** Login, refresh-token rotation, logout, and the OAuth 2.0 revocation and introspection of tokens. */
export class Sessions {
  constructor(private readonly deps: SessionDeps) {}

  async login(username: string, password: string, clientIp: string, request: GrantRequest): Promise<TokenPair> {
    try {
      const tokens = await this.loginOnce(username, password, clientIp, request);
      this.deps.onLogin?.('success');
      return tokens;
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'internal_error';
      this.deps.onLogin?.(code === 'invalid_grant' ? 'invalid_credentials' : code === 'too_many_requests' ? 'rate_limited' : 'error');
      throw err;
    }
  }

  /**
   * Trades a refresh token for a new pair. Each token works once; presenting a used one means
   * it was copied, so its whole family (every token descended from the same login) is revoked.
   */
  async refresh(refreshToken: string, request: GrantRequest): Promise<TokenPair> {
    const { refreshTokens, scopes, users } = this.deps;
    if (!looksLikeRefreshToken(refreshToken)) throw invalidRefreshToken();
    const tokenHash = refreshTokenHash(refreshToken);
    // Client and scope are checked before the token is used, so a request refused for them leaves it usable.
    const found = await refreshTokens.findByHash(tokenHash);
    if (!found) throw invalidRefreshToken();
    checkIssuedTo(found.clientId, request.client);
    const originalScope = found.scope ?? scopes.grant(undefined);
    const scope = scopes.grant(request.scope, originalScope);
    const now = new Date();
    const presented = await refreshTokens.use(tokenHash, now);
    if (presented.status === 'replayed') await this.revokeReused(presented.token.familyId, presented.token.userId, now);
    if (presented.status !== 'accepted') throw invalidRefreshToken();
    const record = presented.token;
    const user = await users.findById(record.userId);
    if (!user) {
      await this.endFamily(record.familyId, record.userId, now);
      throw invalidRefreshToken();
    }
    const pair = await this.issue(user, record.familyId, tokenHash, now, { clientId: found.clientId ?? request.client.id, scope }, originalScope);
    if (!pair) {
      // Another request rotated this same token a moment ago: it was presented twice.
      await this.revokeReused(record.familyId, record.userId, now);
      throw invalidRefreshToken();
    }
    // A reuse that revoked the family between our use() and the insert above (which also made the new
    // token the family's newest) would miss the new access token: look again and revoke what we just
    // issued (the family mark already stops the new refresh token).
    if (await refreshTokens.isFamilyRevoked(record.familyId)) {
      await this.endFamily(record.familyId, record.userId, new Date());
      throw invalidRefreshToken();
    }
    return pair;
  }

  /**
   * Ends the caller's session: the access token presented, the session (refresh-token family) it
   * was issued in, and, when given, the family of a refresh token that belongs to the caller.
   */
  async logout(callerId: string, accessToken: string, refreshToken?: string): Promise<void> {
    const { accessTokens, revocations, events, refreshTokens } = this.deps;
    const claims = accessTokens.verify(accessToken);
    if (claims.sub !== callerId) {
      throw AppError.unauthorized('The access token does not belong to the caller', 'invalid_token');
    }
    await revocations.revokeAccessToken(claims.sub, claims.jti, claims.exp);
    await events.accessTokenRevoked({ userId: claims.sub, jti: claims.jti, exp: claims.exp });
    const families = new Set<string>();
    if (claims.sid) families.add(claims.sid);
    if (refreshToken && looksLikeRefreshToken(refreshToken)) {
      const record = await refreshTokens.findByHash(refreshTokenHash(refreshToken));
      // Someone else's refresh token is ignored, not revoked: logout must not be a way to log others out.
      if (record && record.userId === callerId) families.add(record.familyId);
    }
    for (const familyId of families) await this.endFamily(familyId, callerId, new Date());
  }

  /**
   * RFC 7009: revokes an access token (until it expires, on every gateway) or a refresh token with
   * its whole session, access tokens included. Anything that is not a live token of ours is done
   * already: no error, as the RFC says, so a client can always retry.
   */
  async revoke(token: string, hint: TokenTypeHint | undefined, client: AuthenticatedClient): Promise<void> {
    const { refreshTokens, revocations, events } = this.deps;
    const asRefreshToken = async () => {
      if (!looksLikeRefreshToken(token)) return false;
      const record = await refreshTokens.findByHash(refreshTokenHash(token));
      if (!record) return false;
      checkIssuedTo(record.clientId, client);
      await this.endFamily(record.familyId, record.userId, new Date());
      return true;
    };
    const asAccessToken = async () => {
      const claims = this.verifiedOrUndefined(token);
      if (!claims) return false;
      checkIssuedTo(claims.client_id, client);
      await revocations.revokeAccessToken(claims.sub, claims.jti, claims.exp);
      await events.accessTokenRevoked({ userId: claims.sub, jti: claims.jti, exp: claims.exp });
      return true;
    };
    // The hint only says where to look first (RFC 7009 section 2.1).
    const order = hint === 'refresh_token' ? [asRefreshToken, asAccessToken] : [asAccessToken, asRefreshToken];
    for (const attempt of order) if (await attempt()) return;
  }

  /** RFC 7662: what a token means now; `{active:false}` for one that is unknown, expired, used or revoked. */
  async introspect(token: string, hint: TokenTypeHint | undefined): Promise<Introspection> {
    const { revocations, refreshTokens, users, accessTokens } = this.deps;
    const inactive = { active: false } as const;
    const asAccessToken = async (): Promise<Introspection | undefined> => {
      const claims = this.verifiedOrUndefined(token);
      if (!claims) return undefined;
      if (await revocations.isAccessTokenRevoked(claims)) return inactive;
      return this.active(claims, { clientId: claims.client_id, token_type: 'Bearer', aud: claims.aud, jti: claims.jti });
    };
    const asRefreshToken = async (): Promise<Introspection | undefined> => {
      if (!looksLikeRefreshToken(token)) return undefined;
      const tokenHash = refreshTokenHash(token);
      const record = await refreshTokens.findByHash(tokenHash);
      if (!record) return undefined;
      if (record.expiresAt <= new Date() || (await refreshTokens.isUsed(tokenHash)) || (await refreshTokens.isFamilyRevoked(record.familyId))) {
        return inactive;
      }
      const user = await users.findById(record.userId);
      if (!user) return inactive;
      const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
      return this.active(
        {
          scope: record.scope,
          username: user.username,
          exp: seconds(record.expiresAt),
          iat: seconds(record.createdAt),
          sub: record.userId,
          iss: accessTokens.issuer,
        },
        { clientId: record.clientId, token_type: 'refresh_token' },
      );
    };
    const order = hint === 'refresh_token' ? [asRefreshToken, asAccessToken] : [asAccessToken, asRefreshToken];
    for (const attempt of order) {
      const answer = await attempt();
      if (answer) return answer;
    }
    return inactive;
  }

  /**
   * An active token's introspection. A token from before scopes and clients were recorded has every
   * supported scope and belongs to the default client, as it did when it was issued.
   */
  private active(
    token: { scope?: string | undefined; username: string; exp: number; iat: number; sub: string; iss: string },
    issued: { clientId: string | undefined; token_type: 'Bearer' | 'refresh_token'; aud?: string | string[] | undefined; jti?: string },
  ): Introspection {
    const { clientId, token_type, aud, jti } = issued;
    return {
      active: true,
      scope: token.scope ?? this.deps.scopes.grant(undefined),
      client_id: clientId ?? DEFAULT_CLIENT_ID,
      username: token.username,
      token_type,
      exp: token.exp,
      iat: token.iat,
      sub: token.sub,
      ...(aud === undefined ? {} : { aud }),
      iss: token.iss,
      ...(jti === undefined ? {} : { jti }),
    };
  }

  private async loginOnce(username: string, password: string, clientIp: string, request: GrantRequest): Promise<TokenPair> {
    const { scopes, throttle, users } = this.deps;
    // Before the attempt is taken: a request that could never succeed costs the user no attempt.
    const scope = scopes.grant(request.scope);
    // The attempt is taken before the password is checked: concurrent guesses cannot outrun the count.
    const attempt = await throttle.beginLogin(normaliseUsername(username), clientIp);
    const user = await users.findByUsername(username);
    // Unknown users are checked against a throwaway hash: same work, same answer, same time.
    const valid = await verifyPassword(user?.passwordHash, password);
    if (!user || !valid) {
      await attempt.failed();
      throw invalidCredentials();
    }
    await attempt.succeeded();
    const familyId = randomUUID();
    const pair = await this.issue(user, familyId, `login:${familyId}`, new Date(), { clientId: request.client.id, scope }, scope);
    if (!pair) throw new Error('a new token family collided with an existing one');
    return pair;
  }

  /**
   * Issues a pair whose refresh token succeeds `parentHash`; undefined when that parent already has a
   * successor. The access token carries `grant`; the refresh token keeps the family's original scope.
   */
  private async issue(
    user: UserRecord,
    familyId: string,
    parentHash: string,
    now: Date,
    grant: Grant,
    originalScope: string,
  ): Promise<TokenPair | undefined> {
    const refreshToken = newRefreshToken();
    const access = this.deps.accessTokens.issue(user, grant, now.getTime(), familyId);
    const stored = await this.deps.refreshTokens.create({
      tokenHash: refreshTokenHash(refreshToken),
      parentHash,
      familyId,
      userId: user.id,
      expiresAt: new Date(now.getTime() + this.deps.refreshTokenTtlSeconds * 1000),
      now,
      accessJti: access.claims.jti,
      accessExpiresAt: new Date(access.claims.exp * 1000),
      clientId: grant.clientId,
      scope: originalScope,
    });
    if (!stored) return undefined;
    return { access_token: access.token, token_type: 'bearer', expires_in: access.expiresIn, refresh_token: refreshToken, scope: grant.scope };
  }

  /**
   * Ends a session: its refresh tokens, and the access tokens handed out with them that still live.
   * Returns how many access tokens it revoked.
   */
  private async endFamily(familyId: string, userId: string, now: Date): Promise<number> {
    const { refreshTokens, revocations, events } = this.deps;
    await refreshTokens.revokeFamily(familyId, now);
    const live = await refreshTokens.liveAccessTokens(familyId, now);
    for (const token of live) {
      await revocations.revokeAccessToken(userId, token.jti, token.exp, now.getTime());
      await events.accessTokenRevoked({ userId, ...token });
    }
    return live.length;
  }

  private async revokeReused(familyId: string, userId: string, now: Date): Promise<void> {
    const accessTokensRevoked = await this.endFamily(familyId, userId, now);
    this.deps.logger.warn({ userId, familyId, accessTokensRevoked }, 'refresh token reused; family revoked');
  }

  private verifiedOrUndefined(token: string) {
    try {
      return this.deps.accessTokens.verify(token);
    } catch {
      return undefined;
    }
  }
}

/** A token bound to a client serves that client only (RFC 6749 section 6, RFC 7009 section 2.1). */
function checkIssuedTo(issuedTo: string | undefined, client: AuthenticatedClient) {
  // Tokens from before clients were recorded belong to whoever holds them, as they always did.
  if (issuedTo !== undefined && issuedTo !== client.id) throw otherClients();
}
