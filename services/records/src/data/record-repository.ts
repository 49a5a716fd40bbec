import { AppError } from '@app/common';
import { isDuplicateKey, mongoCall } from '@app/common/mongo';
import type { Collection, Filter } from 'mongodb';
import { ConnectionStates, type Connection, type Model } from 'mongoose';
import type { RecordStore } from '../domain/ports';
import type { ListPosition, RecordChanges, RecordData, RecordFilter, RecordSort, VersionCondition } from '../domain/record';
import type { CounterDocument, RecordDocument, RecordIdDocument, RecordsModels, VersionClaimDocument } from './models';

const MAX_ID_ATTEMPTS = 20;
/** How long a version claim may stand unwritten before the next writer finishes it: far above any write's time. */
const CLAIM_STALE_MS = 10_000;
/** How long a write without precondition keeps trying for a version while others write the record. */
const WRITE_DEADLINE_MS = 20_000;

/** The stored key of the owner's record `id`: an id holds no ':', so no two (owner, id) share a key. */
export const recordKey = (owner: string, id: number) => `${owner}:${id}`;
const claimKey = (owner: string, id: number, version: number) => `${owner}:${id}:${version}`;

/**
 * The filter of one record: its `_id` (a primary-key lookup) and the whole shard key `{owner, id}`, so
 * that a sharded cluster sends it to the one shard holding it rather than to every shard.
 */
const one = (owner: string, id: number) => ({ _id: recordKey(owner, id), owner, id });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
 * The model's collection as the driver types it. Queries go to the driver unchanged (no mongoose
 * casting): `text` below is what keeps request values to strings. With `bufferCommands: false` a call
 * while disconnected fails at once, as a 503.
 */
function driverOf<T extends object>(model: Model<T>): { collection: Collection<T> } {
  return { collection: model.collection as unknown as Collection<T> };
}

/**
 * Request values reach the driver only as strings and numbers (no mongoose casting here): anything
 * else, such as an operator object that got past validation, is refused rather than run.
 */
function text(field: string, value: unknown): string {
  if (typeof value !== 'string') throw AppError.validation(`Invalid value for ${field}`, [{ field, message: 'must be a string' }]);
  return value;
}

function accepts(condition: VersionCondition, version: number): boolean {
  if (condition.kind === 'any') return true;
  if (!condition.versions.every((v) => Number.isInteger(v)))
    throw AppError.validation('Invalid version', [{ field: 'If-Match', message: 'must name versions' }]);
  return condition.versions.includes(version);
}

/**
 * Every owner's records in one `records` collection, each query naming the owner first: the compound
 * indexes of models.ts serve each page, count and cursor, and a cluster sharded on `{owner, id}` sends
 * each of them to the shard holding that owner. One record is read and written by `{_id, owner, id}`:
 * the `_id` makes it a primary-key lookup on every store (the patched FerretDB pushes the `_id`
 * equality down whatever else the filter holds), the whole shard key sends it to one shard.
 *
 * Conditional writes rest on inserts, the one write that is atomic on every MongoDB-compatible store
 * (FerretDB v1's conditional updates read, then write). To move a record from version v, a writer
 * inserts the version claim `<owner>:<id>:<v>`, which only one writer can; the claim holds the write,
 * and the record is then written by `{_id, version: v}` with exactly those values. A writer that loses
 * the claim has lost version v (`If-Match` answers 412; a write without precondition tries again on
 * the next version). A claim whose writer stopped before writing is finished by the next writer once
 * it is older than any write takes (the same values, so a late first writer changes nothing), so it
 * neither blocks the record nor loses the update its writer was asked for.
 */
export class RecordRepository implements RecordStore {
  private readonly records: { collection: Collection<RecordDocument> };
  private readonly ids: { collection: Collection<RecordIdDocument> };
  private readonly counters: { collection: Collection<CounterDocument> };
  private readonly claims: { collection: Collection<VersionClaimDocument> };
  private readonly connection: Connection;

  constructor(models: Pick<RecordsModels, 'records' | 'recordIds' | 'counters' | 'versionClaims'>) {
    this.connection = models.records.db;
    this.records = driverOf(models.records);
    this.ids = driverOf(models.recordIds);
    this.counters = driverOf(models.counters);
    this.claims = driverOf(models.versionClaims);
  }

  /**
   * The owner's next id: the owner's counter proposes it (a document per owner, so no document is
   * written by every create), the insert of its claim into `record_ids` decides. FerretDB v1 may lose
   * a concurrent increment; a claim that exists already moves the counter past it and tries again.
   */
  async create(fields: Omit<RecordData, 'id'>, requestKey?: string): Promise<RecordData> {
    const owner = text('owner', fields.owner);
    this.available();
    for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt += 1) {
      const id = await this.nextId(owner);
      const claimed = await mongoCall(async () => {
        try {
          await this.ids.collection.insertOne({ _id: recordKey(owner, id), owner });
          return true;
        } catch (err) {
          if (isDuplicateKey(err)) return false;
          throw err;
        }
      });
      if (!claimed) {
        await mongoCall(() => this.counters.collection.updateOne({ _id: owner }, { $max: { seq: id } }));
        continue;
      }
      const doc: RecordDocument = { ...fields, owner, _id: recordKey(owner, id), id, ...(requestKey === undefined ? {} : { requestKey }) };
      await mongoCall(() => this.records.collection.insertOne(doc));
      return { ...fields, id };
    }
    throw AppError.unavailable('mongodb', 'Could not allocate a record id, try again');
  }

  private nextId(owner: string): Promise<number> {
    return mongoCall(async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const counter = await this.counters.collection.findOneAndUpdate(
            { _id: owner },
            { $inc: { seq: 1 } },
            { upsert: true, returnDocument: 'after' },
          );
          return counter!.seq;
        } catch (err) {
          // Two first creates of one owner at once: the losing upsert fails with a duplicate key; retrying finds it.
          if (isDuplicateKey(err) && attempt < 3) continue;
          throw err;
        }
      }
    });
  }

  findOne(owner: string, id: number): Promise<RecordData | null> {
    if (typeof owner !== 'string' || !Number.isSafeInteger(id)) return Promise.resolve(null);
    return mongoCall(async () => {
      this.available();
      const doc = await this.records.collection.findOne(one(owner, id));
      return doc ? toRecord(doc) : null;
    });
  }

  findByRequestKey(owner: string, requestKey: string, since: Date): Promise<RecordData | null> {
    return mongoCall(async () => {
      const doc = await this.records.collection.findOne(
        { owner: text('owner', owner), requestKey: text('requestKey', requestKey), createdAt: { $gte: since } },
        { sort: { createdAt: -1, id: -1 } },
      );
      return doc ? toRecord(doc) : null;
    });
  }

  list(filter: RecordFilter, sort: RecordSort, window: { skip: number; limit: number; after?: ListPosition }): Promise<RecordData[]> {
    const field = sort.startsWith('-') ? sort.slice(1) : sort;
    const direction = sort.startsWith('-') ? -1 : 1;
    return mongoCall(async () => {
      const query = this.ownerFilter(filter);
      this.available();
      if (window.after) {
        // Keyset continuation: strictly past (sort value, id) of the last item seen, ties broken by id.
        // The bound on the sort field alone is implied by the `$or`; it is there so that an index range serves it.
        const { at, id } = window.after;
        const [bound, past] = direction === -1 ? (['$lte', '$lt'] as const) : (['$gte', '$gt'] as const);
        query[field] = { [bound]: at };
        query.$or = [{ [field]: { [past]: at } }, { [field]: at, id: { [past]: id } }];
      }
      const docs = await this.records.collection
        .find(query)
        .sort({ [field]: direction, id: direction })
        .skip(window.skip)
        .limit(window.limit)
        .toArray();
      return docs.map(toRecord);
    });
  }

  count(filter: RecordFilter, upTo?: number): Promise<number> {
    return mongoCall(() => {
      const query = this.ownerFilter(filter);
      this.available();
      // Bounded, the store stops reading index entries at `upTo` (a $limit stage, which the patched FerretDB counts from the index too).
      return this.records.collection.countDocuments(query, upTo === undefined ? {} : { limit: upTo });
    });
  }

  async update(owner: string, id: number, condition: VersionCondition, changes: RecordChanges, now: Date): Promise<RecordData | null> {
    const set: Partial<RecordDocument> = { updatedAt: now };
    // Object.entries drops `undefined` from an optional property's type; a caller may still pass one.
    for (const [field, value] of Object.entries(changes) as [string, RecordChanges[keyof RecordChanges]][]) {
      if (value !== undefined) set[field as keyof RecordChanges] = text(field, value);
    }
    const written = await this.write(text('owner', owner), id, condition, (current) => ({ ...set, version: current.version + 1 }));
    return written ? { ...toRecord(written.before), ...written.set } : null;
  }

  async remove(owner: string, id: number, condition: VersionCondition): Promise<boolean> {
    return (await this.write(text('owner', owner), id, condition, () => undefined)) !== null;
  }

  /**
   * Moves the record on from a version `condition` accepts, through that version's claim (see the
   * class comment): `next` gives the fields it gets, or undefined to delete it. Null when the record
   * is missing or its version is not accepted (or was taken by another writer of a conditional write).
   */
  private async write(
    owner: string,
    id: number,
    condition: VersionCondition,
    next: (current: RecordDocument) => Partial<RecordDocument> | undefined,
  ): Promise<{ before: RecordDocument; set: Partial<RecordDocument> | undefined } | null> {
    if (!Number.isSafeInteger(id)) return null;
    this.available();
    const deadline = Date.now() + WRITE_DEADLINE_MS;
    for (let attempt = 0; ; attempt += 1) {
      const current = await mongoCall(() => this.records.collection.findOne(one(owner, id)));
      if (!current || !accepts(condition, current.version)) return null;
      const set = next(current);
      const claim: VersionClaimDocument = { _id: claimKey(owner, id, current.version), owner, at: new Date(), ...(set ? { set } : {}) };
      if (await this.insertClaim(claim)) {
        const written = await this.apply(owner, id, current.version, claim);
        if (written) return { before: current, set };
        // The record moved on before the claim (a writer that read it earlier): try again from its new state.
        continue;
      }
      const standing = await mongoCall(() => this.claims.collection.findOne({ _id: claim._id, owner }));
      if (standing && Date.now() - standing.at.getTime() > CLAIM_STALE_MS) {
        // Its writer stopped between claim and write: finish its write, then go on from there.
        await this.apply(owner, id, current.version, standing);
        continue;
      }
      // Another writer has this version: a conditional write lost; one without precondition waits for the next.
      if (condition.kind === 'versions') return null;
      if (Date.now() > deadline) throw AppError.conflict(`Record ${id} is being changed by many writers at once, try again`);
      await sleep(Math.min(50, 2 + attempt * 2) * (0.5 + Math.random()));
    }
  }

  private insertClaim(claim: VersionClaimDocument): Promise<boolean> {
    return mongoCall(async () => {
      try {
        await this.claims.collection.insertOne(claim);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
  }

  /** Writes a claim's change to the record if it is still at the claimed version, then drops the claim. */
  private async apply(owner: string, id: number, version: number, claim: VersionClaimDocument): Promise<boolean> {
    const filter = { ...one(owner, id), version };
    const done = await mongoCall(async () =>
      claim.set
        ? (await this.records.collection.updateOne(filter, { $set: claim.set })).matchedCount > 0
        : (await this.records.collection.deleteOne(filter)).deletedCount > 0,
    );
    await mongoCall(() => this.claims.collection.deleteOne({ _id: claim._id, owner }));
    return done;
  }

  /** Everything of the owner: records, the ids given out, the counter and any claims left standing. */
  async removeAllOf(owner: string): Promise<number> {
    const who = text('owner', owner);
    return mongoCall(async () => {
      const { deletedCount } = await this.records.collection.deleteMany({ owner: who });
      await this.claims.collection.deleteMany({ owner: who });
      await this.ids.collection.deleteMany({ owner: who });
      await this.counters.collection.deleteOne({ _id: who });
      return deletedCount;
    });
  }

  /**
   * Known to be away: a 503 at once, rather than after the driver's server selection gives up (1.5 s,
   * longer still for the queries behind it).
   */
  private available(): void {
    if (this.connection.readyState !== ConnectionStates.connected) throw AppError.unavailable('mongodb');
  }

  private ownerFilter(filter: RecordFilter): Filter<RecordDocument> {
    return {
      owner: text('owner', filter.owner),
      ...(filter.status === undefined ? {} : { status: text('status', filter.status) }),
      ...(filter.option_type === undefined ? {} : { option_type: text('option_type', filter.option_type) }),
    };
  }
}
