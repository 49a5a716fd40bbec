import { randomUUID } from 'node:crypto';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { OutboxEntry, OutboxStore } from './outbox';
import { isDuplicateKey, mapMongoError, mongoCall } from './mongo';

interface OutboxDocument {
  /** The event id: a UUID, a caller's stable id, or an ObjectId in entries of older releases. */
  _id: string | Types.ObjectId;
  type: string;
  data: unknown;
  requestId?: string;
  /** The W3C traceparent of the change's request, so the event joins its trace however late it goes out. */
  traceparent?: string;
  createdAt: Date;
}

const outboxSchema = new Schema<OutboxDocument>(
  {
    _id: { type: Schema.Types.Mixed, required: true },
    type: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    requestId: { type: String },
    traceparent: { type: String },
    createdAt: { type: Date, required: true },
  },
  { collection: 'outbox', versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw', minimize: false },
);

const toEntry = (doc: OutboxDocument): OutboxEntry => ({
  id: String(doc._id),
  type: doc.type,
  data: doc.data,
  ...(doc.requestId ? { requestId: doc.requestId } : {}),
  ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
  createdAt: doc.createdAt,
});

// Entries written before ids were strings have ObjectIds; no id this store gives is 24 hex digits.
const keyOf = (id: string): string | Types.ObjectId => (/^[0-9a-f]{24}$/.test(id) ? new Types.ObjectId(id) : id);

/**
 * The outbox in the service's own database (collection `outbox`), next to the changes it describes.
 * It holds only what the broker has not confirmed, so reading it costs what is due however many
 * events were ever written; no index beyond `_id`.
 */
export function mongoOutboxStore(connection: Connection): OutboxStore {
  const model: Model<OutboxDocument> =
    (connection.models.OutboxEntry as Model<OutboxDocument> | undefined) ?? connection.model<OutboxDocument>('OutboxEntry', outboxSchema);
  return {
    async add(entry) {
      const doc: OutboxDocument = {
        _id: entry.id ?? randomUUID(),
        type: entry.type,
        data: entry.data,
        ...(entry.requestId ? { requestId: entry.requestId } : {}),
        ...(entry.traceparent ? { traceparent: entry.traceparent } : {}),
        createdAt: new Date(),
      };
      try {
        await model.collection.insertOne(doc as never);
        return toEntry(doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw mapMongoError(err);
        // The same event emitted again while still due: one entry.
        const existing = await mongoCall(() => model.findById(doc._id).lean<OutboxDocument>().exec());
        return existing ? toEntry(existing) : toEntry(doc);
      }
    },

    /**
     * No filter and no sort in the query: that is the one shape FerretDB v1 limits in the database
     * (an insertion-order read of `limit` rows); any filter or sort makes it read the whole
     * collection. The batch is ordered here instead.
     */
    oldest(limit) {
      return mongoCall(async () => {
        const docs = await model.find({}).limit(limit).lean<OutboxDocument[]>().exec();
        return docs.map(toEntry).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
      });
    },

    /** By `_id` alone, which FerretDB answers from its primary key. */
    remove(id) {
      return mongoCall(async () => {
        await model.collection.deleteOne({ _id: keyOf(id) } as never);
      });
    },
  };
}
