import { Schema, type Connection, type Model } from 'mongoose';
import { deleteExpiredOldestFirst, isDuplicateKey, mongoCall } from '@app/common/mongo';
import type { NewRefreshToken, RefreshTokenRecord, RefreshTokenRepository, RefreshTokenUse } from '../domain/ports';
import { onceSucceeded } from './mongo-errors';

/** The parent of a family's first token: no token hashes to this (hashes are hex). */
const LOGIN_PARENT_PREFIX = 'login:';

/*
 * Every query a refresh, a logout or a reuse detection sends filters on `_id` alone or inserts. On
 * FerretDB v1 (SQLite) any other filter makes FerretDB read and decode every document; an `_id` filter
 * is evaluated inside SQLite (still a pass over the rows, see docs/storage.md), and an insert is checked
 * through its unique indexes: the one write whose cost does not grow with the collection.
 *
 * - refresh_tokens_by_hash: one document per token, `_id` = SHA-256 of the token, never updated.
 * - used_refresh_tokens: `_id` = hash of a used token. Using a token is a read by `_id`, the checks in
 *   code, then this insert: of two requests presenting one token, one inserts, the other gets a
 *   duplicate key and is a replay. (FerretDB's conditional updates are not atomic; its unique indexes
 *   are.) The unique `parentHash` index of the tokens keeps a second guard: one successor per token.
 * - revoked_refresh_families: `_id` = family id, insert-only; the one source of "this family is
 *   revoked". Being an insert, it also covers a successor inserted while the family is being revoked.
 * - refresh_token_families: `_id` = family id, with the hash of the family's newest token (set by
 *   `_id` after each rotation: one document per session, far fewer than tokens). Ending a family revokes the access tokens handed out in it that still live: from
 *   the newest token, walk back through parents (`_id` = parentHash) while their access tokens live.
 *   Access tokens live minutes and tokens are issued in order, so the walk stops after the few
 *   rotations of one access lifetime.
 */
interface RefreshTokenDocument {
  _id: string;
  /** What this token replaced: the hash of its parent, or `login:<familyId>` for the first of a family. */
  parentHash: string;
  familyId: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  /** The access token handed out with this refresh token, so ending the family can revoke it too. */
  accessJti?: string;
  accessExpiresAt?: Date;
  /** The client the token was issued to (a refresh by any other is refused) and the scope first granted. */
  clientId?: string;
  scope?: string;
}

/** Indexes only from ensureIndexes, no collection made implicitly, and a field outside the schema is an error. */
const schemaOptions = { versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' } as const;

const refreshTokenSchema = new Schema<RefreshTokenDocument>(
  {
    _id: { type: String, required: true },
    parentHash: { type: String, required: true },
    familyId: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    accessJti: { type: String },
    accessExpiresAt: { type: Date },
    clientId: { type: String },
    scope: { type: String },
  },
  schemaOptions,
);
// The guard that makes rotation single-use: a token can have one successor only. Unique indexes are
// enforced on insert by FerretDB v1 too (cheaply); conditional updates are not atomic there.
refreshTokenSchema.index({ parentHash: 1 }, { unique: true, name: 'parent_hash_unique' });
// No TTL index: FerretDB v1 does not implement expireAfterSeconds, so expired tokens are swept by deleteExpired.

/** A mark: its `_id` names what is marked (a used token, a revoked family), one date says since when. */
type MarkDocument<At extends string> = { _id: string } & Record<At, Date>;
function markSchema<At extends string>(at: At): Schema<MarkDocument<At>> {
  return new Schema<MarkDocument<At>>({ _id: { type: String, required: true }, [at]: { type: Date, required: true } }, schemaOptions);
}

type UsedTokenDocument = MarkDocument<'usedAt'>;
const usedTokenSchema = markSchema('usedAt');

interface FamilyDocument {
  _id: string;
  userId: string;
  /** The family's newest token, where a walk back to its live access tokens starts. */
  latestHash: string;
}
const familySchema = new Schema<FamilyDocument>(
  { _id: { type: String, required: true }, userId: { type: String, required: true }, latestHash: { type: String, required: true } },
  schemaOptions,
);

type RevokedFamilyDocument = MarkDocument<'revokedAt'>;
const revokedFamilySchema = markSchema('revokedAt');

/** Refresh tokens are stored only as SHA-256 hashes; the token itself never reaches the database. */
export class MongoRefreshTokenRepository implements RefreshTokenRepository {
  private readonly tokens: Model<RefreshTokenDocument>;
  private readonly usedTokens: Model<UsedTokenDocument>;
  private readonly families: Model<FamilyDocument>;
  private readonly revokedFamilies: Model<RevokedFamilyDocument>;
  /** Builds the indexes, before any insert (the unique one on `parentHash` decides rotations). */
  readonly prepare: () => Promise<void>;

  constructor(connection: Connection) {
    this.tokens = connection.model<RefreshTokenDocument>('RefreshToken', refreshTokenSchema, 'refresh_tokens_by_hash');
    this.usedTokens = connection.model<UsedTokenDocument>('UsedRefreshToken', usedTokenSchema, 'used_refresh_tokens');
    this.families = connection.model<FamilyDocument>('RefreshTokenFamily', familySchema, 'refresh_token_families');
    this.revokedFamilies = connection.model<RevokedFamilyDocument>('RevokedRefreshFamily', revokedFamilySchema, 'revoked_refresh_families');
    this.prepare = onceSucceeded(() =>
      mongoCall(async () => {
        await this.tokens.createIndexes();
      }),
    );
  }

  /**
   * Stores a new token and makes it its family's newest. Returns false when `parentHash` already
   * has a successor: the parent was used by someone else at the same moment, so this rotation lost
   * and must not hand out a token.
   */
  async create(input: NewRefreshToken): Promise<boolean> {
    await this.prepare();
    const stored = await mongoCall(async () => {
      try {
        await this.tokens.create({
          _id: input.tokenHash,
          parentHash: input.parentHash,
          familyId: input.familyId,
          userId: input.userId,
          createdAt: input.now,
          expiresAt: input.expiresAt,
          ...(input.accessJti ? { accessJti: input.accessJti, accessExpiresAt: input.accessExpiresAt } : {}),
          ...(input.clientId === undefined ? {} : { clientId: input.clientId }),
          ...(input.scope === undefined ? {} : { scope: input.scope }),
        });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
    if (!stored) return false;
    // Only the winner of a rotation gets here, and a family's rotations follow one another, so the
    // newest is never overwritten by an older token.
    await mongoCall(() =>
      this.families.updateOne({ _id: input.familyId }, { $set: { userId: input.userId, latestHash: input.tokenHash } }, { upsert: true }),
    );
    return true;
  }

  /** Presents a token: records its use when it is live; only one of simultaneous uses is accepted. */
  async use(tokenHash: string, now: Date): Promise<RefreshTokenUse> {
    await this.prepare();
    const doc = await mongoCall(() => this.tokens.findOne({ _id: tokenHash }).lean());
    if (!doc || (await this.isFamilyRevoked(doc.familyId))) return { status: 'rejected' };
    if (doc.expiresAt <= now) {
      // Presenting an expired token that was used is still a sign it was copied.
      const used = (await mongoCall(() => this.usedTokens.exists({ _id: tokenHash }))) !== null;
      return used ? { status: 'replayed', token: toRecord(doc) } : { status: 'rejected' };
    }
    const first = await mongoCall(async () => {
      try {
        await this.usedTokens.create({ _id: tokenHash, usedAt: now });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
    return { status: first ? 'accepted' : 'replayed', token: toRecord(doc) };
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    await this.prepare();
    const doc = await mongoCall(() => this.tokens.findOne({ _id: tokenHash }).lean());
    return doc ? toRecord(doc) : undefined;
  }

  /** Whether the token was presented once already (a read by `_id`; nothing is recorded). */
  async isUsed(tokenHash: string): Promise<boolean> {
    return (await mongoCall(() => this.usedTokens.exists({ _id: tokenHash }))) !== null;
  }

  /** Marks the family revoked: from then on none of its tokens is honoured. */
  async revokeFamily(familyId: string, now: Date): Promise<void> {
    // Two revocations at once may both try to insert the mark; the loser's duplicate key means it is there.
    await mongoCall(() => this.revokedFamilies.create({ _id: familyId, revokedAt: now })).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
  }

  /** The access tokens handed out in a family that have not expired yet: a walk back from its newest token. */
  async liveAccessTokens(familyId: string, now: Date): Promise<Array<{ jti: string; exp: number }>> {
    await this.prepare();
    const family = await mongoCall(() => this.families.findOne({ _id: familyId }, { latestHash: 1 }).lean());
    const live: Array<{ jti: string; exp: number }> = [];
    let hash = family?.latestHash;
    while (hash !== undefined) {
      const id = hash;
      const doc = await mongoCall(() => this.tokens.findOne({ _id: id }, { parentHash: 1, accessJti: 1, accessExpiresAt: 1 }).lean());
      // Access tokens were issued in the chain's order with one lifetime: the first dead one ends the walk.
      if (!doc?.accessJti || !doc.accessExpiresAt || doc.accessExpiresAt <= now) break;
      live.push({ jti: doc.accessJti, exp: Math.floor(doc.accessExpiresAt.getTime() / 1000) });
      hash = doc.parentHash.startsWith(LOGIN_PARENT_PREFIX) ? undefined : doc.parentHash;
    }
    return live;
  }

  /** Whether the family was revoked; an `_id` lookup. */
  async isFamilyRevoked(familyId: string): Promise<boolean> {
    return (await mongoCall(() => this.revokedFamilies.exists({ _id: familyId }))) !== null;
  }

  /** Account deletion is rare: these filters may read every token, use mark and family (on FerretDB v1 they do). */
  async deleteForUser(userId: string): Promise<number> {
    await this.prepare();
    const owned = await mongoCall(() => this.tokens.find({ userId }, { _id: 1 }).lean());
    await mongoCall(() => this.usedTokens.deleteMany({ _id: { $in: owned.map((doc) => doc._id) } }));
    const result = await mongoCall(() => this.tokens.deleteMany({ userId }));
    await mongoCall(() => this.families.deleteMany({ userId }));
    return result.deletedCount;
  }

  /**
   * Tokens are written in about the order they expire (a fixed lifetime from creation), and family
   * marks in the order they were made, so only the head of each collection is read: what is due,
   * however many tokens are stored (a filter on expiresAt would read them all on FerretDB v1).
   * A token's use mark goes with it, and a family document with its newest token: when that has
   * expired, so has every token of the family. One `_id` read per expired token finds out.
   */
  async deleteExpired(now: Date): Promise<number> {
    const removed = await mongoCall(() =>
      deleteExpiredOldestFirst<{ _id: string; familyId: string; expiresAt: Date }>(this.tokens, {
        projection: { _id: 1, familyId: 1, expiresAt: 1 },
        isExpired: (doc) => doc.expiresAt < now,
        beforeDelete: async (doc) => {
          await this.usedTokens.deleteOne({ _id: doc._id });
          const family = await this.families.findOne({ _id: doc.familyId }, { latestHash: 1 }).lean();
          if (family?.latestHash === doc._id) await this.families.deleteOne({ _id: doc.familyId });
        },
      }),
    );
    // A family's tokens all expire within the longest refresh lifetime (at most a year) of its revocation.
    const markCutoff = new Date(now.getTime() - 366 * 24 * 3600 * 1000);
    await mongoCall(() =>
      deleteExpiredOldestFirst<{ _id: unknown; revokedAt: Date }>(this.revokedFamilies, {
        projection: { _id: 1, revokedAt: 1 },
        isExpired: (doc) => doc.revokedAt < markCutoff,
      }),
    );
    return removed;
  }
}

function toRecord({ familyId, userId, expiresAt, createdAt, clientId, scope }: RefreshTokenDocument): RefreshTokenRecord {
  // Tokens stored before clients and scopes were kept have neither.
  return { familyId, userId, expiresAt, createdAt, ...(clientId === undefined ? {} : { clientId }), ...(scope === undefined ? {} : { scope }) };
}
