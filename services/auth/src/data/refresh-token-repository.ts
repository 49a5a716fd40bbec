import { Schema, type Connection } from 'mongoose';
import { onceSucceeded, query } from './mongo-errors';

export interface RefreshTokenRecord {
  familyId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

interface RefreshTokenDocument extends RefreshTokenRecord {
  tokenHash: string;
  createdAt: Date;
}

const refreshTokenSchema = new Schema<RefreshTokenDocument>(
  {
    tokenHash: { type: String, required: true },
    familyId: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' },
);
refreshTokenSchema.index({ tokenHash: 1 }, { unique: true, name: 'token_hash_unique' });
refreshTokenSchema.index({ familyId: 1 }, { name: 'family' });
refreshTokenSchema.index({ userId: 1 }, { name: 'user' });
// No TTL index: FerretDB v1 does not implement expireAfterSeconds, so expired rows are swept by deleteExpired.
refreshTokenSchema.index({ expiresAt: 1 }, { name: 'expires_at' });

export type RefreshTokenRepository = ReturnType<typeof refreshTokenRepository>;

/** Refresh tokens are stored only as SHA-256 hashes; the token itself never reaches the database. */
export function refreshTokenRepository(connection: Connection) {
  const tokens = connection.model<RefreshTokenDocument>('RefreshToken', refreshTokenSchema, 'refresh_tokens');
  const toRecord = (doc: RefreshTokenDocument): RefreshTokenRecord => ({
    familyId: doc.familyId,
    userId: doc.userId,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt ?? null,
    revokedAt: doc.revokedAt ?? null,
  });
  const ensureIndexes = onceSucceeded(() => query(async () => void (await tokens.createIndexes())));

  return {
    ensureIndexes,

    async create(input: { tokenHash: string; familyId: string; userId: string; expiresAt: Date; now: Date }): Promise<void> {
      await ensureIndexes();
      await query(() =>
        tokens.create({
          tokenHash: input.tokenHash,
          familyId: input.familyId,
          userId: input.userId,
          createdAt: input.now,
          expiresAt: input.expiresAt,
          usedAt: null,
          revokedAt: null,
        }),
      );
    },

    /**
     * Marks a live token used and returns it; one condition on `usedAt: null` makes this the only
     * winner when the same token is presented twice at once. Undefined when it is not live.
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
      const result = await query(() => tokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: now } }));
      return result.modifiedCount;
    },

    async deleteForUser(userId: string): Promise<number> {
      const result = await query(() => tokens.deleteMany({ userId }));
      return result.deletedCount;
    },

    async deleteExpired(now: Date): Promise<number> {
      const result = await query(() => tokens.deleteMany({ expiresAt: { $lt: now } }));
      return result.deletedCount;
    },
  };
}
