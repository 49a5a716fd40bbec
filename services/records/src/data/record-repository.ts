import { AppError, isDuplicateKey } from '@app/common';
import mongoose, { type Model, type QueryFilter } from 'mongoose';
import type { RecordStore } from '../domain/ports';
import type { ListPosition, RecordChanges, RecordData, RecordFilter, RecordSort, VersionCondition } from '../domain/record';
import type { IdSequence } from './id-sequence';
import type { KeyedSerialQueue } from './keyed-serial-queue';
import { mongoCall } from './mongo-call';
import type { RecordDocument } from './models';

const MAX_ID_ATTEMPTS = 10;

// The connection runs with sanitizeFilter on, so every operator object we build ourselves is
// marked trusted; anything that came from a request can only ever be compared for equality.
const trusted = <T extends object>(value: T): T => mongoose.trusted(value) as T;

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

function baseFilter(filter: RecordFilter): QueryFilter<RecordDocument> {
  return {
    owner: filter.owner,
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.option_type === undefined ? {} : { option_type: filter.option_type }),
  };
}

/** The stored key of record `id`; see RecordDocument._id. */
const keyOf = (id: number) => String(id);

function versionFilter(owner: string, id: number, condition: VersionCondition): QueryFilter<RecordDocument> {
  const filter: QueryFilter<RecordDocument> = { _id: keyOf(id), owner };
  return condition.kind === 'any' ? filter : { ...filter, version: trusted({ $in: condition.versions }) };
}

export class RecordRepository implements RecordStore {
  constructor(
    private readonly model: Model<RecordDocument>,
    private readonly sequence: IdSequence,
    private readonly serial: KeyedSerialQueue,
  ) {}

  async create(fields: Omit<RecordData, 'id'>, requestKey?: string): Promise<RecordData> {
    for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt += 1) {
      const id = await this.sequence.next();
      const inserted = await mongoCall(async () => {
        try {
          await this.model.create({ ...fields, _id: keyOf(id), id, ...(requestKey === undefined ? {} : { requestKey }) });
          return true;
        } catch (err) {
          if (isDuplicateKey(err)) return false;
          throw err;
        }
      });
      if (inserted) return { ...fields, id };
      // Another instance took this id (its counter update raced ours): catch the counter up and try again.
      await this.sequence.raiseTo(await this.highestId());
    }
    throw new AppError(503, 'service_unavailable', 'Could not allocate a record id, try again', { dependency: 'mongodb' });
  }

  findOne(owner: string, id: number): Promise<RecordData | null> {
    return mongoCall(async () => {
      // By key alone (the one shape FerretDB v1 does not scan for), then the owner check here.
      const doc = await this.model.findOne({ _id: keyOf(id) }).lean();
      return doc && doc.owner === owner ? toRecord(doc) : null;
    });
  }

  findByRequestKey(owner: string, requestKey: string, since: Date): Promise<RecordData | null> {
    return mongoCall(async () => {
      const doc = await this.model
        .findOne({ owner, requestKey, createdAt: trusted({ $gte: since }) })
        .sort({ createdAt: -1, id: -1 })
        .lean();
      return doc ? toRecord(doc) : null;
    });
  }

  list(filter: RecordFilter, sort: RecordSort, window: { skip: number; limit: number; after?: ListPosition }): Promise<RecordData[]> {
    const field = sort.startsWith('-') ? sort.slice(1) : sort;
    const direction = sort.startsWith('-') ? -1 : 1;
    const query = baseFilter(filter);
    if (window.after) {
      // Keyset continuation: strictly past (sort value, id) of the last item seen, ties broken by id.
      const past = direction === -1 ? '$lt' : '$gt';
      query.$or = [
        { [field]: trusted({ [past]: window.after.at }) },
        { [field]: window.after.at, id: trusted({ [past]: window.after.id }) },
      ];
    }
    return mongoCall(async () => {
      const docs = await this.model
        .find(query)
        .sort({ [field]: direction, id: direction })
        .skip(window.skip)
        .limit(window.limit)
        .lean();
      return docs.map(toRecord);
    });
  }

  count(filter: RecordFilter): Promise<number> {
    return mongoCall(() => this.model.countDocuments(baseFilter(filter)));
  }

  update(owner: string, id: number, condition: VersionCondition, changes: RecordChanges, now: Date): Promise<RecordData | null> {
    return this.serial.run(`record:${id}`, () =>
      mongoCall(async () => {
        const doc = await this.model
          .findOneAndUpdate(
            versionFilter(owner, id, condition),
            { $set: { ...changes, updatedAt: now }, $inc: { version: 1 } },
            { returnDocument: 'after', runValidators: true },
          )
          .lean();
        return doc ? toRecord(doc) : null;
      }),
    );
  }

  remove(owner: string, id: number, condition: VersionCondition): Promise<boolean> {
    return this.serial.run(`record:${id}`, () =>
      mongoCall(async () => {
        const doc = await this.model.findOneAndDelete(versionFilter(owner, id, condition)).lean();
        return doc !== null;
      }),
    );
  }

  removeAllOf(owner: string): Promise<number> {
    return mongoCall(async () => (await this.model.deleteMany({ owner })).deletedCount);
  }

  private highestId(): Promise<number> {
    return mongoCall(async () => {
      const doc = await this.model.findOne({}, { id: 1 }).sort({ id: -1 }).lean();
      return doc?.id ?? 0;
    });
  }
}
