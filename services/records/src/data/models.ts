import { codePointLength } from '@app/common';
import { Schema, type Connection, type Model } from 'mongoose';
import { RECORD_LIMITS } from '../domain/record';

/**
 * A record, in the one `records` collection every owner shares. `_id` is `<owner>:<id>` (see recordKey),
 * so reading a record is a primary-key lookup on every store, and the key cannot name another
 * owner's record. Sharded on `{owner: 1, id: 1}`: every query of the project names the owner.
 */
export interface RecordDocument {
  _id: string;
  /** Counted per owner: each owner's first record is 1. */
  id: number;
  owner: string;
  option_type: string;
  description: string;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  /** The Idempotency-Key the record was created under, so an abandoned attempt can be recovered. */
  requestKey?: string;
}

/** An id given out to `owner` (`_id` = the record's key); kept after the record is deleted, so an id is never given twice. */
export interface RecordIdDocument {
  _id: string;
  owner: string;
}

/** The owner's id counter (`_id` = owner): a hint of the last id given out; the id claims decide. */
export interface CounterDocument {
  _id: string;
  seq: number;
}

/**
 * The claim of one version of one record by the write that moves it on (`_id` = `<owner>:<id>:<version>`,
 * see RecordRepository): the unique `_id` lets exactly one writer have each version, on any store. It
 * carries the write itself, so that the claim of a writer that stopped before writing can be finished
 * by the next writer (the same values again) instead of blocking the record. Removed once written.
 */
export interface VersionClaimDocument {
  _id: string;
  owner: string;
  at: Date;
  /** The fields the record gets (with its next version); absent for a delete. */
  set?: Partial<RecordDocument>;
}

export interface IdempotencyKeyDocument {
  /** `owner\nkey` (see idempotencyKeyId). */
  _id: string;
  owner: string;
  key: string;
  requestHash: string;
  /** The answer given to the first request (a record view); null while that request is in flight. */
  response: unknown;
  createdAt: Date;
  completedAt: Date | null;
}

// Shared by every schema: the driver must never see a field we did not declare (strict: 'throw'),
// filters on undeclared paths are dropped (strictQuery), and indexes are built by `ensureIndexes`
// once connected rather than at model compile time, when the connection may not be open yet.
const common = {
  versionKey: false,
  strict: 'throw',
  strictQuery: true,
  autoIndex: false,
  autoCreate: false,
} as const;

// mongoose's `maxlength` counts UTF-16 units; the API counts code points (as zod and JSON Schema do),
// so an emoji-heavy value the API accepts must not fail here.
function atMostCodePoints(max: number) {
  return { validator: (value: string) => codePointLength(value) <= max, message: `{PATH} is longer than ${max} characters` };
}

const recordSchema = new Schema<RecordDocument>(
  {
    _id: { type: String, required: true },
    id: { type: Number, required: true },
    owner: { type: String, required: true },
    option_type: { type: String, required: true, validate: atMostCodePoints(RECORD_LIMITS.optionType) },
    description: { type: String, required: true, validate: atMostCodePoints(RECORD_LIMITS.description) },
    status: { type: String, required: true, validate: atMostCodePoints(RECORD_LIMITS.status) },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    requestKey: { type: String },
  },
  // `id: false`: our numeric `id` is a real field, not mongoose's string alias of _id.
  { ...common, collection: 'records', id: false },
);
// One index per query of the project, each beginning with the owner (the shard key's prefix), then the
// equality filters, then the sort and its tie-break: a list page, a cursor page and a count read only
// the index entries of the page (MongoDB walks an index backwards for the ascending sorts).
for (const sort of ['createdAt', 'updatedAt'] as const) {
  const short = sort === 'createdAt' ? 'created' : 'updated';
  recordSchema.index({ owner: 1, [sort]: -1, id: -1 }, { name: `owner_${short}` });
  recordSchema.index({ owner: 1, status: 1, [sort]: -1, id: -1 }, { name: `owner_status_${short}` });
  recordSchema.index({ owner: 1, option_type: 1, [sort]: -1, id: -1 }, { name: `owner_type_${short}` });
  recordSchema.index({ owner: 1, status: 1, option_type: 1, [sort]: -1, id: -1 }, { name: `owner_status_type_${short}` });
}
// The recovery of a create whose request died half-way (rare) finds the record by its idempotency key.
recordSchema.index({ owner: 1, requestKey: 1, createdAt: -1 }, { name: 'owner_request' });

const recordIdSchema = new Schema<RecordIdDocument>(
  { _id: { type: String, required: true }, owner: { type: String, required: true } },
  { ...common, collection: 'record_ids' },
);
recordIdSchema.index({ owner: 1 }, { name: 'owner' });

const counterSchema = new Schema<CounterDocument>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { ...common, collection: 'record_counters' },
);

const versionClaimSchema = new Schema<VersionClaimDocument>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    at: { type: Date, required: true },
    set: { type: Schema.Types.Mixed },
  },
  { ...common, collection: 'record_version_claims', minimize: false },
);
versionClaimSchema.index({ owner: 1 }, { name: 'owner' });

const idempotencyKeySchema = new Schema<IdempotencyKeyDocument>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    key: { type: String, required: true },
    requestHash: { type: String, required: true },
    response: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
    completedAt: { type: Date, default: null },
  },
  { ...common, collection: 'idempotency_keys', minimize: false },
);
// Uniqueness is the `_id`'s. No TTL index: FerretDB v1 refuses `expireAfterSeconds`; expired keys are
// purged by a timer that reads only the head of the collection (see IdempotencyKeyStore.removeOlderThan).
idempotencyKeySchema.index({ owner: 1 });

/**
 * The take-over of a key whose first request died (`_id` = the key's `_id`, a line feed and the dead
 * claim's time in milliseconds): the unique `_id` lets one retry take it over, on any store.
 */
export interface IdempotencyTakeoverDocument {
  _id: string;
  owner: string;
  at: Date;
}

const idempotencyTakeoverSchema = new Schema<IdempotencyTakeoverDocument>(
  { _id: { type: String, required: true }, owner: { type: String, required: true }, at: { type: Date, required: true } },
  { ...common, collection: 'idempotency_takeovers' },
);
idempotencyTakeoverSchema.index({ owner: 1 });

export interface RecordsModels {
  records: Model<RecordDocument>;
  recordIds: Model<RecordIdDocument>;
  counters: Model<CounterDocument>;
  versionClaims: Model<VersionClaimDocument>;
  idempotencyKeys: Model<IdempotencyKeyDocument>;
  idempotencyTakeovers: Model<IdempotencyTakeoverDocument>;
}

export function createModels(connection: Connection): RecordsModels {
  return {
    records: connection.model<RecordDocument>('Record', recordSchema),
    recordIds: connection.model<RecordIdDocument>('RecordId', recordIdSchema),
    counters: connection.model<CounterDocument>('RecordCounter', counterSchema),
    versionClaims: connection.model<VersionClaimDocument>('RecordVersionClaim', versionClaimSchema),
    idempotencyKeys: connection.model<IdempotencyKeyDocument>('IdempotencyKey', idempotencyKeySchema),
    idempotencyTakeovers: connection.model<IdempotencyTakeoverDocument>('IdempotencyTakeover', idempotencyTakeoverSchema),
  };
}
