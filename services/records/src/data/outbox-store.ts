import { mongoCall } from '@app/common/mongo';
import { Types, type Model } from 'mongoose';
import type { OutboxDocument } from './models';

export interface OutboxEntry {
  id: string;
  type: string;
  data: unknown;
  requestId?: string;
  traceparent?: string;
  createdAt: Date;
}

const toEntry = (doc: OutboxDocument & { _id: Types.ObjectId }): OutboxEntry => ({
  id: String(doc._id),
  type: doc.type,
  data: doc.data,
  ...(doc.requestId ? { requestId: doc.requestId } : {}),
  ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
  createdAt: doc.createdAt,
});

/**
 * Events written next to the change they describe, until the broker confirmed them; then they are
 * removed. The collection therefore holds only what is still due, so reading it costs what is due
 * however many events were ever written.
 */
export class OutboxStore {
  constructor(private readonly model: Model<OutboxDocument>) {}

  add(type: string, data: unknown, requestId?: string, traceparent?: string): Promise<OutboxEntry> {
    return mongoCall(async () => {
      const doc = {
        _id: new Types.ObjectId(),
        type,
        data,
        ...(requestId ? { requestId } : {}),
        ...(traceparent ? { traceparent } : {}),
        createdAt: new Date(),
      };
      await this.model.create(doc);
      return toEntry(doc);
    });
  }

  /**
   * Up to `limit` entries, oldest first. No filter and no sort in the query: that is the one shape
   * FerretDB v1 limits in the database (an insertion-order read of `limit` rows); any filter or sort
   * makes it read the whole collection. The batch is ordered here instead.
   */
  oldest(limit: number): Promise<OutboxEntry[]> {
    return mongoCall(async () => {
      const docs = await this.model.find({}).limit(limit).lean<(OutboxDocument & { _id: Types.ObjectId })[]>();
      return docs.map(toEntry).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
    });
  }

  /** Forgets an entry the broker confirmed; by `_id` alone, which FerretDB answers from its primary key. */
  remove(id: string): Promise<void> {
    return mongoCall(async () => {
      await this.model.deleteOne({ _id: new Types.ObjectId(id) });
    });
  }
}
