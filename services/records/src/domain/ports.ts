import type { EventOf } from '@app/common';
import type { ListPosition, RecordChanges, RecordData, RecordFilter, RecordSort, RecordView, VersionCondition } from './record';

/** Where records live; implemented by the data layer. */
export interface RecordStore {
  /** Stores a new record under the next free id. */
  create(fields: Omit<RecordData, 'id'>, requestKey?: string): Promise<RecordData>;
  findOne(owner: string, id: number): Promise<RecordData | null>;
  /** The record created under an idempotency key no earlier than `since`, if any. */
  findByRequestKey(owner: string, requestKey: string, since: Date): Promise<RecordData | null>;
  list(filter: RecordFilter, sort: RecordSort, window: { skip: number; limit: number; after?: ListPosition }): Promise<RecordData[]>;
  /** The matching records, counted up to `upTo` when given (the count stops there). */
  count(filter: RecordFilter, upTo?: number): Promise<number>;
  /** Applies `changes` when the record exists with an accepted version; null otherwise. */
  update(owner: string, id: number, condition: VersionCondition, changes: RecordChanges, now: Date): Promise<RecordData | null>;
  /** Deletes the record when it exists with an accepted version; false otherwise. */
  remove(owner: string, id: number, condition: VersionCondition): Promise<boolean>;
  removeAllOf(owner: string): Promise<number>;
}

export interface IdempotencyEntry {
  owner: string;
  key: string;
  requestHash: string;
  response: RecordView | null;
  createdAt: Date;
}

/** Idempotency keys, unique per (owner, key). */
export interface IdempotencyStore {
  find(owner: string, key: string): Promise<IdempotencyEntry | null>;
  /** Inserts a pending entry; false when the key already exists (another request holds it). */
  claim(owner: string, key: string, requestHash: string, at: Date): Promise<boolean>;
  /** Takes over a pending entry created at `createdAt`; false when someone else changed it first. */
  reclaim(owner: string, key: string, createdAt: Date, at: Date): Promise<boolean>;
  complete(owner: string, key: string, response: RecordView): Promise<void>;
  /** Removes the entry if it is still the one created at `createdAt`. */
  release(owner: string, key: string, createdAt: Date): Promise<void>;
  removeOlderThan(cutoff: Date): Promise<number>;
  removeAllOf(owner: string): Promise<number>;
}

/** Records that an event must go out (one of the catalogue's record events); implemented by the events layer (the outbox). */
export interface RecordEvents {
  emit(type: EventOf<'records'>, data: { owner: string; id: number }): Promise<void>;
}
