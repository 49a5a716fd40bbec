import type { EventData } from '@app/common';

/*
 * What auth's domain needs from the outside, declared here and implemented by the adapters:
 * data/ (MongoDB, Redis) and events/ (RabbitMQ). The domain imports only this file, never an adapter.
 */

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
}

/** Where accounts live; usernames are unique regardless of case. */
export interface UserRepository {
  /** Builds the indexes (the unique username index first: no insert happens before it exists). */
  ensureIndexes(): Promise<void>;
  /** Inserts a user; a taken username (in any case) is a 409 `username_taken`, including when two requests race. */
  create(input: { username: string; passwordHash: string; createdAt?: Date }): Promise<UserRecord>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  deleteById(id: string): Promise<UserRecord | undefined>;
}

export interface RefreshTokenRecord {
  familyId: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  /** The OAuth 2.0 client it was issued to and the scope of the original grant; absent from tokens stored before both were kept. */
  clientId?: string;
  scope?: string;
}

/**
 * What presenting a refresh token found: `accepted` (it was live and is now used), `replayed` (it was
 * used before, so it was copied) or `rejected` (unknown, expired, or its family is revoked).
 */
export type RefreshTokenUse =
  { status: 'accepted'; token: RefreshTokenRecord } | { status: 'replayed'; token: RefreshTokenRecord } | { status: 'rejected' };

/** A token to store: its hash, its parent's (or the login's), its family and what it was issued for. */
export interface NewRefreshToken {
  tokenHash: string;
  parentHash: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  now: Date;
  /** The access token handed out with it, revoked with its family. */
  accessJti?: string;
  accessExpiresAt?: Date;
  clientId?: string;
  scope?: string;
}

/** Refresh tokens, stored only as hashes, in families that rotate and are revoked together. */
export interface RefreshTokenRepository {
  /** Builds the indexes. */
  prepare(): Promise<void>;
  /**
   * Stores a new token and makes it its family's newest. Returns false when `parentHash` already
   * has a successor: the parent was used by someone else at the same moment, so this rotation lost
   * and must not hand out a token.
   */
  create(input: NewRefreshToken): Promise<boolean>;
  /** Presents a token: records its use when it is live; only one of simultaneous uses is accepted. */
  use(tokenHash: string, now: Date): Promise<RefreshTokenUse>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Whether the token was presented once already (nothing is recorded). */
  isUsed(tokenHash: string): Promise<boolean>;
  /** Marks the family revoked: from then on none of its tokens is honoured. */
  revokeFamily(familyId: string, now: Date): Promise<void>;
  /** The access tokens handed out in a family that have not expired yet. */
  liveAccessTokens(familyId: string, now: Date): Promise<Array<{ jti: string; exp: number }>>;
  /** Whether the family was revoked. */
  isFamilyRevoked(familyId: string): Promise<boolean>;
  deleteForUser(userId: string): Promise<number>;
  /** Deletes what has expired; returns how many tokens went. */
  deleteExpired(now: Date): Promise<number>;
}

/** Revoked access tokens, where the gateway looks for them. A failed write answers false, never throws. */
export interface RevocationStore {
  /** Revokes one access token until it would have expired anyway. */
  revokeAccessToken(userId: string, jti: string, exp: number, now?: number): Promise<boolean>;
  /** Whether an access token was revoked, by its jti or with all of its user's tokens; unknown is a 503, never a guess. */
  isAccessTokenRevoked(claims: { jti: string; sub: string; iat: number }): Promise<boolean>;
  /** Revokes every access token of a user issued at or before `before` (unix seconds). */
  revokeUserTokens(userId: string, before: number): Promise<boolean>;
}

/**
 * How a key slows down: `free` attempts pass at once; from the `free`-th on, each attempt makes
 * the next one wait `baseMs` × 2^(attempts − free), at most `maxMs`. The count is forgotten after
 * `idleMs` without attempts.
 */
export interface SlowDownPolicy {
  free: number;
  baseMs: number;
  maxMs: number;
  idleMs: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Counts attempts per key; take() is atomic, so concurrent callers can never pass more than the policy allows. */
export interface AttemptStore {
  take(key: string, policy: SlowDownPolicy): Promise<TakeResult>;
  /** Returns one taken attempt (a success, or an attempt that was refused elsewhere before any check). */
  giveBack(key: string, policy: SlowDownPolicy): Promise<void>;
  /** Forgets the key (a successful login ends a run of failures for that account). */
  reset(key: string): Promise<void>;
}

/** The events auth publishes (their payloads are the contract in @app/common); records and qa remove a deleted user's data. */
export interface AuthEvents {
  userRegistered(data: EventData<'user.registered'>): Promise<void>;
  userDeleted(data: EventData<'user.deleted'>): Promise<void>;
  /** One access token revoked until its expiry (logout). */
  accessTokenRevoked(data: Extract<EventData<'token.revoked'>, { jti: string }>): Promise<void>;
  /** Every access token of a user issued at or before `before` (unix seconds) revoked. */
  userTokensRevoked(data: Extract<EventData<'token.revoked'>, { before: number }>): Promise<void>;
}
