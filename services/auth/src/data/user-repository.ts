import { Schema, isValidObjectId, type Connection, type Model } from 'mongoose';
import { AppError } from '@app/common';
import { isDuplicateKey, mongoCall } from '@app/common/mongo';
import { normaliseUsername } from '../domain/account-rules';
import type { UserRecord, UserRepository } from '../domain/ports';
import { onceSucceeded } from './mongo-errors';

interface UserDocument {
  username: string;
  usernameLower: string;
  passwordHash: string;
  createdAt: Date;
}

const userSchema = new Schema<UserDocument>(
  {
    username: { type: String, required: true },
    usernameLower: { type: String, required: true },
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  // Indexes are built explicitly (ensureIndexes) so no insert can happen before the unique index exists.
  { versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' },
);
userSchema.index({ usernameLower: 1 }, { unique: true, name: 'username_lower_unique' });

/** Accounts in MongoDB; the unique index on the lower-cased name makes usernames unique regardless of case. */
export class MongoUserRepository implements UserRepository {
  private readonly users: Model<UserDocument>;
  /** Builds the indexes (the unique username index first: no insert happens before it exists). */
  readonly ensureIndexes: () => Promise<void>;

  constructor(connection: Connection) {
    this.users = connection.model<UserDocument>('User', userSchema, 'users');
    this.ensureIndexes = onceSucceeded(() =>
      mongoCall(async () => {
        await this.users.createIndexes();
      }),
    );
  }

  /** Inserts a user; a taken username (in any case) is a 409, including when two requests race. */
  async create(input: { username: string; passwordHash: string; createdAt?: Date }): Promise<UserRecord> {
    await this.ensureIndexes();
    return mongoCall(async () => {
      try {
        const doc = await this.users.create({
          username: input.username,
          usernameLower: normaliseUsername(input.username),
          passwordHash: input.passwordHash,
          createdAt: input.createdAt ?? new Date(),
        });
        return toRecord(doc.toObject());
      } catch (err) {
        if (isDuplicateKey(err)) throw AppError.conflict('This username is already taken', 'username_taken');
        throw err;
      }
    });
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const doc = await mongoCall(() => this.users.findOne({ usernameLower: normaliseUsername(username) }).lean());
    return doc ? toRecord(doc) : undefined;
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    if (!isValidObjectId(id) || !/^[0-9a-f]{24}$/i.test(id)) return undefined;
    const doc = await mongoCall(() => this.users.findById(id).lean());
    return doc ? toRecord(doc) : undefined;
  }

  async deleteById(id: string): Promise<UserRecord | undefined> {
    if (!/^[0-9a-f]{24}$/i.test(id)) return undefined;
    const doc = await mongoCall(() => this.users.findByIdAndDelete(id).lean());
    return doc ? toRecord(doc) : undefined;
  }
}

function toRecord(doc: UserDocument & { _id: unknown }): UserRecord {
  return { id: String(doc._id), username: doc.username, passwordHash: doc.passwordHash, createdAt: doc.createdAt };
}
