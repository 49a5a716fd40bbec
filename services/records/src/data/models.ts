import { codePointLength } from '@app/common';
import { Schema, type Connection, type Model } from 'mongoose';
import { RECORD_LIMITS } from '../domain/record';

/**
 * A record, in its owner's own collection (see ownerCollectionName): FerretDB v1 reads a whole
 * collection for any filter but `_id` alone, so each owner's queries read that owner's records only.
 */
export interface RecordDocument {
  /** String(id): FerretDB v1 answers `_id`-only string lookups from its primary key, any other filter by a scan. */
  _id: string;
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

/** Which owner holds record `id`; the unique `_id` keeps ids unique across the owners' collections. */
export interface RecordIdDocument {
  /** String(id). */
  _id: string;
  owner: string;
}

export interface CounterDocument {
  _id: string;
  seq: number;
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

/** An event not yet confirmed by the broker; removed once it is (see OutboxStore). */
export interface OutboxDocument {
  type: string;
  data: unknown;
  requestId?: string;
  createdAt: Date;
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
  // Only for reading what an earlier version kept in one shared collection (see RecordRepository.adoptShared).
  { ...common, collection: 'records', id: false },
);

/** The indexes of each owner's collection on MongoDB (not created on FerretDB v1, which would not use them). */
export const OWNER_COLLECTION_INDEXES = [
  { key: { createdAt: -1, id: -1 }, name: 'created' },
  { key: { updatedAt: -1, id: -1 }, name: 'updated' },
] as const;

const recordIdSchema = new Schema<RecordIdDocument>(
  { _id: { type: String, required: true }, owner: { type: String, required: true } },
  { ...common, collection: 'record_ids' },
);

const counterSchema = new Schema<CounterDocument>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { ...common, collection: 'counters' },
);

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

const outboxSchema = new Schema<OutboxDocument>(
  {
    type: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    requestId: { type: String },
    createdAt: { type: Date, required: true },
  },
  { ...common, collection: 'outbox', minimize: false },
);

export interface RecordsModels {
  /** The shared collection of earlier versions; read only to move its records to their owners' collections. */
  sharedRecords: Model<RecordDocument>;
  recordIds: Model<RecordIdDocument>;
  counters: Model<CounterDocument>;
  idempotencyKeys: Model<IdempotencyKeyDocument>;
  outbox: Model<OutboxDocument>;
}

export function createModels(connection: Connection): RecordsModels {
  return {
    sharedRecords: connection.model<RecordDocument>('SharedRecord', recordSchema),
    recordIds: connection.model<RecordIdDocument>('RecordId', recordIdSchema),
    counters: connection.model<CounterDocument>('Counter', counterSchema),
    idempotencyKeys: connection.model<IdempotencyKeyDocument>('IdempotencyKey', idempotencyKeySchema),
    outbox: connection.model<OutboxDocument>('OutboxEntry', outboxSchema),
  };
}
