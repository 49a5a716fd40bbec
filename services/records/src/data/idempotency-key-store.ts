import { isDuplicateKey } from '@app/common';
import mongoose, { type Model } from 'mongoose';
import type { IdempotencyEntry, IdempotencyStore } from '../domain/ports';
import type { RecordView } from '../domain/record';
import { mongoCall } from './mongo-call';
import type { IdempotencyKeyDocument } from './models';

export class IdempotencyKeyStore implements IdempotencyStore {
  constructor(private readonly model: Model<IdempotencyKeyDocument>) {}

  find(owner: string, key: string): Promise<IdempotencyEntry | null> {
    return mongoCall(async () => {
      const doc = await this.model.findOne({ owner, key }).lean();
      if (!doc) return null;
      return {
        owner: doc.owner,
        key: doc.key,
        requestHash: doc.requestHash,
        response: (doc.response as RecordView | null) ?? null,
        createdAt: doc.createdAt,
      };
    });
  }

  claim(owner: string, key: string, requestHash: string, at: Date): Promise<boolean> {
    return mongoCall(async () => {
      try {
        await this.model.create({ owner, key, requestHash, response: null, createdAt: at, completedAt: null });
        return true;
      } catch (err) {
        // The unique (owner, key) index decides which of several concurrent first attempts wins.
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
  }

  reclaim(owner: string, key: string, createdAt: Date, at: Date): Promise<boolean> {
    return mongoCall(async () => {
      const result = await this.model.updateOne({ owner, key, createdAt, completedAt: null }, { $set: { createdAt: at } });
      return result.modifiedCount === 1;
    });
  }

  complete(owner: string, key: string, response: unknown): Promise<void> {
    return mongoCall(async () => {
      await this.model.updateOne({ owner, key }, { $set: { response, completedAt: new Date() } });
    });
  }

  release(owner: string, key: string, createdAt: Date): Promise<void> {
    return mongoCall(async () => {
      await this.model.deleteOne({ owner, key, createdAt });
    });
  }

  removeOlderThan(cutoff: Date): Promise<number> {
    return mongoCall(async () => (await this.model.deleteMany({ createdAt: mongoose.trusted({ $lt: cutoff }) })).deletedCount);
  }

  removeAllOf(owner: string): Promise<number> {
    return mongoCall(async () => (await this.model.deleteMany({ owner })).deletedCount);
  }
}
