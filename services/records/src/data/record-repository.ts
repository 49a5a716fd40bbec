import { createHash } from 'node:crypto';
import { AppError, isDuplicateKey, mongoCall } from '@app/common';
import type { Collection, Filter } from 'mongodb';
import { ConnectionStates, type Connection, type Model } from 'mongoose';
import type { RecordStore } from '../domain/ports';
import type { ListPosition, RecordChanges, RecordData, RecordFilter, RecordSort, VersionCondition } from '../domain/record';
import type { IdSequence } from './id-sequence';
import type { KeyedSerialQueue } from './keyed-serial-queue';
import { OWNER_COLLECTION_INDEXES, type RecordDocument, type RecordIdDocument } from './models';

const MAX_ID_ATTEMPTS = 10;

/**
 * Each owner's records live in a collection of their own. FerretDB v1 (both backends) answers only a
 * filter on `_id` alone from an index and reads the whole collection for anything else (a list, a
 * count, a filtered or sorted page, a conditional update); with one collection per owner, "the whole
 * collection" is that owner's records, so every query costs what the owner's data costs. On MongoDB
 * the same collections carry real indexes. The name is a hash: fixed length, any owner id, no
 * personal data in collection names.
 */
export function ownerCollectionName(owner: string): string {
  return `records_${createHash('sha256').update(owner).digest('hex').slice(0, 32)}`;
}

/** The stored key of record `id`; see RecordDocument._id. */
const keyOf = (id: number) => String(id);

function toRecord(doc: RecordDocument): RecordData {
  return {
    id: doc.id,
    owner: doc.owner,
    option_type: doc.option_type,
    description: doc.description,
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}

/**
 * Request values reach the driver only as strings and numbers (no mongoose casting here): anything
 * else, such as an operator object that got past validation, is refused rather than run.
 */
function text(field: string, value: unknown): string {
  if (typeof value !== 'string') throw AppError.validation(`Invalid value for ${field}`, [{ field, message: 'must be a string' }]);
  return value;
}

function versionFilter(id: number, condition: VersionCondition): Filter<RecordDocument> {
  if (condition.kind === 'any') return { _id: keyOf(id) };
  if (!condition.versions.every((v) => Number.isInteger(v)))
    throw AppError.validation('Invalid version', [{ field: 'If-Match', message: 'must name versions' }]);
  return { _id: keyOf(id), version: { $in: condition.versions } };
}

export class RecordRepository implements RecordStore {
  /** Owners' collections whose indexes this process ensured (or is ensuring: concurrent first writes share it). */
  private readonly indexed = new Map<string, Promise<void>>();

  constructor(
    private readonly connection: Connection,
    private readonly ids: Model<RecordIdDocument>,
    private readonly sequence: IdSequence,
    private readonly serial: KeyedSerialQueue,
  ) {}

  async create(fields: Omit<RecordData, 'id'>, requestKey?: string): Promise<RecordData> {
    const owner = text('owner', fields.owner);
    const records = this.collectionOf(owner);
    await this.ensureIndexes(records);
    for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt += 1) {
      const id = await this.sequence.next();
      // The id is claimed first, in one shared collection, because uniqueness across the owners'
      // collections is nobody else's: another instance whose counter update raced ours loses here.
      const claimed = await mongoCall(async () => {
        try {
          await this.ids.create({ _id: keyOf(id), owner });
          return true;
        } catch (err) {
          if (isDuplicateKey(err)) return false;
          throw err;
        }
      });
      if (!claimed) {
        await this.sequence.raiseTo(id);
        continue;
      }
      await mongoCall(() => records.insertOne({ ...fields, owner, _id: keyOf(id), id, ...(requestKey === undefined ? {} : { requestKey }) }));
      return { ...fields, id };
    }
    throw new AppError(503, 'service_unavailable', 'Could not allocate a record id, try again', { dependency: 'mongodb' });
  }

  findOne(owner: string, id: number): Promise<RecordData | null> {
    if (typeof owner !== 'string') return Promise.resolve(null);
    return mongoCall(async () => {
      // By key alone, in the owner's collection: someone else's record is simply not there.
      const doc = await this.collectionOf(owner).findOne({ _id: keyOf(id) });
      return doc ? toRecord(doc) : null;
    });
  }

  findByRequestKey(owner: string, requestKey: string, since: Date): Promise<RecordData | null> {
    return mongoCall(async () => {
      const doc = await this.collectionOf(text('owner', owner)).findOne(
        { requestKey: text('requestKey', requestKey), createdAt: { $gte: since } },
        { sort: { createdAt: -1, id: -1 } },
      );
      return doc ? toRecord(doc) : null;
    });
  }

  list(filter: RecordFilter, sort: RecordSort, window: { skip: number; limit: number; after?: ListPosition }): Promise<RecordData[]> {
    const field = sort.startsWith('-') ? sort.slice(1) : sort;
    const direction = sort.startsWith('-') ? -1 : 1;
    return mongoCall(async () => {
      const query = this.fieldFilter(filter);
      if (window.after) {
        // Keyset continuation: strictly past (sort value, id) of the last item seen, ties broken by id.
        const past = direction === -1 ? '$lt' : '$gt';
        query.$or = [{ [field]: { [past]: window.after.at } }, { [field]: window.after.at, id: { [past]: window.after.id } }];
      }
      const docs = await this.collectionOf(text('owner', filter.owner))
        .find(query)
        .sort({ [field]: direction, id: direction })
        .skip(window.skip)
        .limit(window.limit)
        .toArray();
      return docs.map(toRecord);
    });
  }

  count(filter: RecordFilter): Promise<number> {
    return mongoCall(async () => {
      const query = this.fieldFilter(filter);
      return this.collectionOf(text('owner', filter.owner)).countDocuments(query);
    });
  }

  async update(owner: string, id: number, condition: VersionCondition, changes: RecordChanges, now: Date): Promise<RecordData | null> {
    const records = this.collectionOf(text('owner', owner));
    const set: Partial<RecordDocument> = { updatedAt: now };
    // Object.entries drops `undefined` from an optional property's type; a caller may still pass one.
    for (const [field, value] of Object.entries(changes) as [string, RecordChanges[keyof RecordChanges]][]) {
      if (value !== undefined) set[field as keyof RecordChanges] = text(field, value);
    }
    return this.serial.run(`record:${id}`, () =>
      mongoCall(async () => {
        const doc = await records.findOneAndUpdate(versionFilter(id, condition), { $set: set, $inc: { version: 1 } }, { returnDocument: 'after' });
        return doc ? toRecord(doc) : null;
      }),
    );
  }

  async remove(owner: string, id: number, condition: VersionCondition): Promise<boolean> {
    const records = this.collectionOf(text('owner', owner));
    return this.serial.run(`record:${id}`, () => mongoCall(async () => (await records.findOneAndDelete(versionFilter(id, condition))) !== null));
  }

  /** Drops the owner's collection (its size does not matter), after forgetting which ids were theirs. */
  async removeAllOf(owner: string): Promise<number> {
    const records = this.collectionOf(text('owner', owner));
    return mongoCall(async () => {
      const ids = await records.find({}, { projection: { _id: 1 } }).toArray();
      for (const { _id } of ids) await this.ids.deleteOne({ _id });
      await records.drop().catch((err: unknown) => {
        // Nothing to drop: the owner never had a record (MongoDB's NamespaceNotFound).
        if ((err as { code?: number }).code !== 26) throw err;
      });
      this.indexed.delete(records.collectionName);
      return ids.length;
    });
  }

  /**
   * Moves what an earlier version kept in one shared `records` collection into the owners' own,
   * in batches from the head, keeping ids; safe to repeat and to run on several instances at once.
   */
  adoptShared(shared: Model<RecordDocument>): Promise<number> {
    return mongoCall(async () => {
      let moved = 0;
      for (;;) {
        const docs = await shared.find({}).limit(200).lean<RecordDocument[]>();
        if (docs.length === 0) return moved;
        for (const doc of docs) {
          await this.ids.create({ _id: keyOf(doc.id), owner: doc.owner }).catch((err: unknown) => {
            if (!isDuplicateKey(err)) throw err;
          });
          const records = this.collectionOf(doc.owner);
          await this.ensureIndexes(records);
          await records.insertOne({ ...doc, _id: keyOf(doc.id) }).catch((err: unknown) => {
            if (!isDuplicateKey(err)) throw err;
          });
          await shared.deleteOne({ _id: doc._id });
          moved += 1;
        }
        await this.sequence.raiseTo(Math.max(...docs.map((doc) => doc.id)));
      }
    });
  }

  private fieldFilter(filter: RecordFilter): Filter<RecordDocument> {
    return {
      ...(filter.status === undefined ? {} : { status: text('status', filter.status) }),
      ...(filter.option_type === undefined ? {} : { option_type: text('option_type', filter.option_type) }),
    };
  }

  private collectionOf(owner: string): Collection<RecordDocument> {
    const db = this.connection.db;
    if (this.connection.readyState !== ConnectionStates.connected || !db) throw AppError.unavailable('mongodb');
    return db.collection<RecordDocument>(ownerCollectionName(owner));
  }

  /** Whether the server uses secondary indexes at all: FerretDB v1 (it says so in buildInfo) does not. */
  private usesIndexes?: Promise<boolean>;

  private ensureIndexes(records: Collection<RecordDocument>): Promise<void> {
    const name = records.collectionName;
    let ensuring = this.indexed.get(name);
    if (!ensuring) {
      this.usesIndexes ??= mongoCall(async () => {
        const info = await this.connection.db!.admin().command({ buildInfo: 1 });
        return !('ferretdbVersion' in info);
      }).catch((err: unknown) => {
        this.usesIndexes = undefined;
        throw err;
      });
      // On FerretDB v1 they would only slow writes down: it reads the owner's whole collection anyway.
      // One index per command: FerretDB v1.24 drops the connection (a panic) when one createIndexes
      // names two or more indexes that already exist, as they do after a restart.
      ensuring = mongoCall(async () => {
        if (!(await this.usesIndexes)) return;
        for (const index of OWNER_COLLECTION_INDEXES) await records.createIndex({ ...index.key }, { name: index.name }, undefined);
      });
      this.indexed.set(name, ensuring);
      // A failure is not remembered: the next write tries again.
      ensuring.catch(() => this.indexed.delete(name));
    }
    return ensuring;
  }
}
