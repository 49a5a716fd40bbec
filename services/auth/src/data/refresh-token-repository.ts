import { Schema, type Connection } from 'mongoose';
import { deleteExpiredOldestFirst, isDuplicateKey, mongoCall as query } from '@app/common';
import { onceSucceeded } from './mongo-errors';

export interface RefreshTokenRecord {
  familyId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

interface RefreshTokenDocument extends RefreshTokenRecord {
  tokenHash: string;
  /** What this token replaced: the hash of its parent, or `login:<familyId>` for the first of a family. */
  parentHash: string;
  createdAt: Date;
  /** The access token handed out with this refresh token, so ending the family can revoke it too. */
  accessJti?: string;
  accessExpiresAt?: Date;
}

const refreshTokenSchema = new Schema<RefreshTokenDocument>(
  {
    tokenHash: { type: String, required: true },
    parentHash: { type: String, required: true },
    familyId: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    accessJti: { type: String },
    accessExpiresAt: { type: Date },
  },
  { versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' },
);
refreshTokenSchema.index({ tokenHash: 1 }, { unique: true, name: 'token_hash_unique' });
// The guard that makes rotation single-use: a token can have one successor only. Conditional updates
// (findOneAndUpdate on usedAt: null) are not atomic on FerretDB v1, a unique index is.
refreshTokenSchema.index({ parentHash: 1 }, { unique: true, name: 'parent_hash_unique' });
refreshTokenSchema.index({ familyId: 1 }, { name: 'family' });
refreshTokenSchema.index({ userId: 1 }, { name: 'user' });
// No TTL index: FerretDB v1 does not implement expireAfterSeconds, so expired rows are swept by deleteExpired.
refreshTokenSchema.index({ expiresAt: 1 }, { name: 'expires_at' });

/**
 * A revoked family, by id. Marking the family (not only its tokens) also covers a successor that a
 * concurrent rotation inserts while the family is being revoked: FerretDB's updateMany is not atomic
 * with respect to that insert, so a token-by-token revocation could miss it.
 */
interface RevokedFamilyDocument {
  _id: string;
  revokedAt: Date;
}
const revokedFamilySchema = new Schema<RevokedFamilyDocument>(
  { _id: { type: String, required: true }, revokedAt: { type: Date, required: true } },
  { versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' },
);

export type RefreshTokenRepository = ReturnType<typeof refreshTokenRepository>;

/** Refresh tokens are stored only as SHA-256 hashes; the token itself never reaches the database. */
export function refreshTokenRepository(connection: Connection) {
  const tokens = connection.model<RefreshTokenDocument>('RefreshToken', refreshTokenSchema, 'refresh_tokens');
  const revokedFamilies = connection.model<RevokedFamilyDocument>('RevokedRefreshFamily', revokedFamilySchema, 'revoked_refresh_families');
  const toRecord = (doc: RefreshTokenDocument): RefreshTokenRecord => ({
    familyId: doc.familyId,
    userId: doc.userId,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt ?? null,
    revokedAt: doc.revokedAt ?? null,
  });
  const ensureIndexes = onceSucceeded(() =>
    query(async () => {
      await tokens.createIndexes();
    }),
  );

  return {
    ensureIndexes,

    /**
     * Stores a new token. Returns false when `parentHash` already has a successor: the parent was
     * used by someone else at the same moment, so this rotation lost and must not hand out a token.
     */
    async create(input: {
      tokenHash: string;
      parentHash: string;
      familyId: string;
      userId: string;
      expiresAt: Date;
      now: Date;
      accessJti?: string;
      accessExpiresAt?: Date;
    }): Promise<boolean> {
      await ensureIndexes();
      return query(async () => {
        try {
          await tokens.create({
            tokenHash: input.tokenHash,
            parentHash: input.parentHash,
            familyId: input.familyId,
            userId: input.userId,
            createdAt: input.now,
            expiresAt: input.expiresAt,
            usedAt: null,
            revokedAt: null,
            ...(input.accessJti ? { accessJti: input.accessJti, accessExpiresAt: input.accessExpiresAt } : {}),
          });
          return true;
        } catch (err) {
          if (isDuplicateKey(err)) return false;
          throw err;
        }
      });
    },

    /**
     * Marks a live token used and returns it; undefined when it is not live. On MongoDB the
     * `usedAt: null` condition already lets only one of two simultaneous uses through; the unique
     * parentHash in create() is what guarantees it everywhere.
     */
    async use(tokenHash: string, now: Date): Promise<RefreshTokenRecord | undefined> {
      const doc = await query(() =>
        tokens
          .findOneAndUpdate(
            { tokenHash, usedAt: null, revokedAt: null, expiresAt: { $gt: now } },
            { $set: { usedAt: now } },
            { returnDocument: 'after' },
          )
          .lean(),
      );
      return doc ? toRecord(doc) : undefined;
    },

    async findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
      const doc = await query(() => tokens.findOne({ tokenHash }).lean());
      return doc ? toRecord(doc) : undefined;
    },

    async revokeFamily(familyId: string, now: Date): Promise<number> {
      // The family mark first: from here on no token of the family is honoured, whatever updateMany misses.
      // Two revocations at once may both try to insert the mark; the loser's duplicate key means it is there.
      await query(() => revokedFamilies.create({ _id: familyId, revokedAt: now })).catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      });
      const result = await query(() => tokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: now } }));
      return result.modifiedCount;
    },

    /** The access tokens handed out in a family that have not expired yet (a family's rotations in one access lifetime). */
    async liveAccessTokens(familyId: string, now: Date): Promise<Array<{ jti: string; exp: number }>> {
      const docs = await query(() =>
        tokens.find({ familyId, accessExpiresAt: { $gt: now } }, { accessJti: 1, accessExpiresAt: 1, _id: 0 }).lean(),
      );
      return docs
        .filter((doc) => doc.accessJti && doc.accessExpiresAt)
        .map((doc) => ({ jti: doc.accessJti!, exp: Math.floor(doc.accessExpiresAt!.getTime() / 1000) }));
    },

    /** Whether the family was revoked; an `_id` lookup, the one shape FerretDB v1 answers from an index. */
    async isFamilyRevoked(familyId: string): Promise<boolean> {
      return (await query(() => revokedFamilies.exists({ _id: familyId }))) !== null;
    },

    async deleteForUser(userId: string): Promise<number> {
      const result = await query(() => tokens.deleteMany({ userId }));
      return result.deletedCount;
    },

    /**
     * Tokens are written in about the order they expire (a fixed lifetime from creation), and family
     * marks in the order they were made, so only the head of each collection is read: what is due,
     * however many tokens are stored (a filter on expiresAt would read them all on FerretDB v1).
     */
    async deleteExpired(now: Date): Promise<number> {
      const removed = await query(() =>
        deleteExpiredOldestFirst<{ _id: unknown; expiresAt: Date }>(tokens, {
          projection: { _id: 1, expiresAt: 1 },
          isExpired: (doc) => doc.expiresAt < now,
        }),
      );
      // A family's tokens all expire within the longest refresh lifetime (at most a year) of its revocation.
      const markCutoff = new Date(now.getTime() - 366 * 24 * 3600 * 1000);
      await query(() =>
        deleteExpiredOldestFirst<{ _id: unknown; revokedAt: Date }>(revokedFamilies, {
          projection: { _id: 1, revokedAt: 1 },
          isExpired: (doc) => doc.revokedAt < markCutoff,
        }),
      );
      return removed;
    },
  };
}
