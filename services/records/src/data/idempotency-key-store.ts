import { deleteExpiredOldestFirst, isDuplicateKey, mongoCall } from '@app/common/mongo';
import type { Model } from 'mongoose';
import type { IdempotencyEntry, IdempotencyStore } from '../domain/ports';
import type { RecordView } from '../domain/record';
import type { IdempotencyKeyDocument, IdempotencyTakeoverDocument } from './models';

/**
 * The key's `_id`: owner and key together, so that the lookup every idempotent create makes is a
 * primary-key lookup. A header value cannot hold a line feed, so the pair cannot be forged from
 * another one.
 */
export const idempotencyKeyId = (owner: string, key: string) => `${owner}\n${key}`;

/**
 * The filter of one key: its `_id`, and the owner, the shard key, so that a sharded cluster sends it to
 * one shard (the patched FerretDB answers it from the `_id` index whatever else the filter holds).
 */
const oneKey = (owner: string, key: string) => ({ _id: idempotencyKeyId(owner, key), owner });

export class IdempotencyKeyStore implements IdempotencyStore {
  constructor(
    private readonly model: Model<IdempotencyKeyDocument>,
    private readonly takeovers: Model<IdempotencyTakeoverDocument>,
  ) {}

  find(owner: string, key: string): Promise<IdempotencyEntry | null> {
    return mongoCall(async () => {
      const doc = await this.model.findOne(oneKey(owner, key)).lean();
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
        await this.model.create({ _id: idempotencyKeyId(owner, key), owner, key, requestHash, response: null, createdAt: at, completedAt: null });
        return true;
      } catch (err) {
        // The unique `_id` decides which of several concurrent first attempts wins.
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
  }

  /**
   * Only after a request died half-way. The take-over of the claim made at `createdAt` is an insert
   * whose unique `_id` lets one retry have it, on any store (a conditional update is read-then-write
   * on FerretDB v1, where two retries could both pass it); the winner then moves the claim to `at`.
   */
  reclaim(owner: string, key: string, createdAt: Date, at: Date): Promise<boolean> {
    return mongoCall(async () => {
      if (!(await this.takeOver(owner, key, createdAt, at))) return false;
      const result = await this.model.updateOne({ ...oneKey(owner, key), createdAt, completedAt: null }, { $set: { createdAt: at } });
      return result.modifiedCount === 1;
    });
  }

  private async takeOver(owner: string, key: string, createdAt: Date, at: Date): Promise<boolean> {
    try {
      await this.takeovers.create({ _id: `${idempotencyKeyId(owner, key)}\n${createdAt.getTime()}`, owner, at });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  complete(owner: string, key: string, response: unknown): Promise<void> {
    return mongoCall(async () => {
      await this.model.updateOne(oneKey(owner, key), { $set: { response, completedAt: new Date() } });
    });
  }

  // Only on failures and expired keys, so its extra condition costs nothing on the usual path.
  // Through a take-over too: a release and a re-claim of the same claim exclude each other.
  release(owner: string, key: string, createdAt: Date): Promise<void> {
    return mongoCall(async () => {
      if (!(await this.takeOver(owner, key, createdAt, new Date()))) return;
      await this.model.deleteOne({ ...oneKey(owner, key), createdAt });
    });
  }

  /** Keys are written in the order they expire (a fixed lifetime from creation): only the head is read. */
  removeOlderThan(cutoff: Date): Promise<number> {
    return mongoCall(async () => {
      const removed = await deleteExpiredOldestFirst<{ _id: string; createdAt: Date }>(this.model, {
        projection: { _id: 1, createdAt: 1 },
        isExpired: (doc) => doc.createdAt < cutoff,
      });
      // Take-overs are written in time order too, and outlive the claims they took over by a lifetime at most.
      await deleteExpiredOldestFirst<{ _id: string; at: Date }>(this.takeovers, {
        projection: { _id: 1, at: 1 },
        isExpired: (doc) => doc.at < cutoff,
      });
      return removed;
    });
  }

  removeAllOf(owner: string): Promise<number> {
    return mongoCall(async () => {
      await this.takeovers.deleteMany({ owner });
      return (await this.model.deleteMany({ owner })).deletedCount;
    });
  }
}
