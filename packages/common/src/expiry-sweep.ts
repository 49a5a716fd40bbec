import type { Model } from 'mongoose';

export interface ExpirySweepOptions<T> {
  /** Whether a document (read with `projection`) is past its lifetime. */
  isExpired: (doc: T) => boolean;
  /** The fields `isExpired` needs (and `_id`). */
  projection: Record<string, 0 | 1>;
  batchSize?: number;
  /** Bounds one run's work; what is left goes on the next run. */
  maxBatches?: number;
  /** Runs before each expired document is deleted (clean-up of what hangs on it); if it throws, the document stays for the next run. */
  beforeDelete?: (doc: T) => Promise<void>;
}

/**
 * Deletes expired documents from the head of a collection whose documents expire in about the order
 * they were written (a fixed lifetime from creation), reading only the head: a query with no filter
 * and no sort, which MongoDB and FerretDB v1 alike stop after `batchSize` documents, then one delete by
 * `_id` per expired document (the one filter FerretDB v1 answers from an index). It stops at the first
 * batch with nothing expired, so a run costs what is due, not what is stored. A document whose
 * lifetime was extended in place waits at the head without holding back the expired ones behind it.
 * Returns how many documents were deleted.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any collection's model: Model<X> is not assignable to Model<unknown>
export async function deleteExpiredOldestFirst<T extends { _id: unknown }>(model: Model<any>, options: ExpirySweepOptions<T>): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 20;
  let deleted = 0;
  for (let round = 0; round < maxBatches; round += 1) {
    const docs = await model.find({}, options.projection).limit(batchSize).lean<T[]>();
    const expired = docs.filter(options.isExpired);
    for (const doc of expired) {
      await options.beforeDelete?.(doc);
      deleted += (await model.deleteOne({ _id: doc._id })).deletedCount;
    }
    if (expired.length === 0 || docs.length < batchSize) break;
  }
  return deleted;
}
