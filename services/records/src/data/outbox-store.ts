import mongoose, { type Model } from 'mongoose';
import { mongoCall } from './mongo-call';
import type { OutboxDocument } from './models';

export interface OutboxEntry {
  id: string;
  type: string;
  data: unknown;
  requestId?: string;
}

/** Events written next to the change they describe, until the relay has published them. */
export class OutboxStore {
  constructor(private readonly model: Model<OutboxDocument>) {}

  add(type: string, data: unknown, requestId?: string): Promise<void> {
    return mongoCall(async () => {
      await this.model.create({ type, data, ...(requestId ? { requestId } : {}), createdAt: new Date(), sentAt: null });
    });
  }

  unsent(limit: number): Promise<OutboxEntry[]> {
    return mongoCall(async () => {
      const docs = await this.model.find({ sentAt: null }).sort({ createdAt: 1, _id: 1 }).limit(limit).lean();
      return docs.map((doc) => ({
        id: String(doc._id),
        type: doc.type,
        data: doc.data,
        ...(doc.requestId ? { requestId: doc.requestId } : {}),
      }));
    });
  }

  markSent(id: string): Promise<void> {
    return mongoCall(async () => {
      await this.model.findOneAndUpdate({ _id: id, sentAt: null }, { $set: { sentAt: new Date() } }).lean();
    });
  }

  removeSentBefore(cutoff: Date): Promise<number> {
    return mongoCall(async () => (await this.model.deleteMany({ sentAt: mongoose.trusted({ $lt: cutoff }) })).deletedCount);
  }
}
