import { createHash } from 'node:crypto';
import { AppError } from '@app/common';
import { decodeCursor, encodeCursor } from './list-cursor';
import type { IdempotencyStore, RecordEvents, RecordStore } from './ports';
import {
  PAGE_LIMITS,
  toView,
  type ListPosition,
  type RecordChanges,
  type RecordData,
  type RecordInput,
  type RecordSort,
  type RecordView,
  type VersionCondition,
} from './record';

export interface ListRequest {
  status?: string;
  option_type?: string;
  /** Absent: newest first. */
  sort?: RecordSort;
  limit: number;
  page?: number;
  cursor?: string;
}

export interface ListResult {
  items: RecordView[];
  /** Null when the page was reached through a cursor (`page` then counts from the cursor). */
  page: number | null;
  limit: number;
  /** Exact up to PAGE_LIMITS.exactTotal; past it that bound, with `totalIsLowerBound`. */
  total: number;
  totalIsLowerBound: boolean;
  sort: RecordSort;
  /** A cursor to the following page, or null on the last one. */
  nextCursor: string | null;
}

export interface CreateResult {
  record: RecordView;
  /** True when an earlier request with the same idempotency key already created it. */
  replayed: boolean;
}

export interface RecordServiceOptions {
  idempotencyKeyTtlMs: number;
  /** How long a retry waits for the first request with the same key to finish. */
  idempotencyWaitMs?: number;
  /** After this long without an answer, the first request is presumed dead and a retry finishes its work. */
  idempotencyStaleMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function requestHash(input: RecordInput): string {
  return createHash('sha256')
    .update(JSON.stringify([input.option_type, input.description, input.status]))
    .digest('base64url');
}

/** Records of one owner each: creating (optionally idempotent), listing, reading, changing and removing them. */
export class RecordService {
  private readonly waitMs: number;
  private readonly staleMs: number;

  constructor(
    private readonly records: RecordStore,
    private readonly keys: IdempotencyStore,
    private readonly events: RecordEvents,
    private readonly options: RecordServiceOptions,
  ) {
    this.waitMs = options.idempotencyWaitMs ?? 2000;
    this.staleMs = options.idempotencyStaleMs ?? 5000;
  }

  async create(owner: string, input: RecordInput, idempotencyKey?: string): Promise<CreateResult> {
    if (idempotencyKey === undefined) return { record: toView(await this.insert(owner, input)), replayed: false };
    return this.createOnce(owner, input, idempotencyKey);
  }

  async get(owner: string, id: number): Promise<RecordView> {
    const record = await this.records.findOne(owner, id);
    if (!record) throw AppError.notFound(`Record ${id} not found`);
    return toView(record);
  }

  async list(owner: string, request: ListRequest): Promise<ListResult> {
    const sort = request.sort ?? '-createdAt';
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, sort);
    const filter = {
      owner,
      ...(request.status === undefined ? {} : { status: request.status }),
      ...(request.option_type === undefined ? {} : { option_type: request.option_type }),
    };
    // With a cursor, `page` counts pages after the cursor's position (and the answer's page is null).
    const page = after ? null : (request.page ?? 1);
    const skip = ((request.page ?? 1) - 1) * request.limit;
    // One extra item tells whether a following page exists without a second query.
    // The count stops one past the bound: reaching it says there are more than the bound.
    const [found, counted] = await Promise.all([
      this.records.list(filter, sort, { skip, limit: request.limit + 1, ...(after ? { after } : {}) }),
      this.records.count(filter, PAGE_LIMITS.exactTotal + 1),
    ]);
    const totalIsLowerBound = counted > PAGE_LIMITS.exactTotal;
    const total = Math.min(counted, PAGE_LIMITS.exactTotal);
    const items = found.slice(0, request.limit);
    const last = items.at(-1);
    const nextCursor = found.length > request.limit && last ? encodeCursor(positionOf(last, sort)) : null;
    return { items: items.map(toView), page, limit: request.limit, total, totalIsLowerBound, sort, nextCursor };
  }

  async update(owner: string, id: number, changes: RecordChanges, condition: VersionCondition): Promise<RecordView> {
    const updated = await this.records.update(owner, id, condition, changes, new Date());
    if (!updated) throw await this.whyNot(owner, id);
    await this.events.emit('record.updated', { owner, id });
    return toView(updated);
  }

  async remove(owner: string, id: number, condition: VersionCondition): Promise<void> {
    const removed = await this.records.remove(owner, id, condition);
    if (!removed) throw await this.whyNot(owner, id);
    await this.events.emit('record.deleted', { owner, id });
  }

  countOf(owner: string): Promise<number> {
    return this.records.count({ owner });
  }

  /** Everything of a deleted user goes; safe to repeat. */
  async removeUser(owner: string): Promise<{ records: number; keys: number }> {
    const records = await this.records.removeAllOf(owner);
    const keys = await this.keys.removeAllOf(owner);
    return { records, keys };
  }

  /** Forgets idempotency keys past their lifetime (FerretDB v1 has no TTL index to do it). */
  purgeExpiredKeys(now = new Date()): Promise<number> {
    return this.keys.removeOlderThan(new Date(now.getTime() - this.options.idempotencyKeyTtlMs));
  }

  private async insert(owner: string, input: RecordInput, requestKey?: string): Promise<RecordData> {
    const now = new Date();
    const { option_type, description, status } = input;
    const record = await this.records.create({ owner, option_type, description, status, createdAt: now, updatedAt: now, version: 1 }, requestKey);
    await this.events.emit('record.created', { owner, id: record.id });
    return record;
  }

  /**
   * At most one record per (owner, key): the first request claims the key through the unique index,
   * concurrent retries wait for its answer and replay it; a different body under the same key is refused.
   */
  private async createOnce(owner: string, input: RecordInput, key: string): Promise<CreateResult> {
    const hash = requestHash(input);
    const waitUntil = Date.now() + this.waitMs;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const entry = await this.keys.find(owner, key);
      if (!entry) {
        const claimedAt = new Date();
        if (!(await this.keys.claim(owner, key, hash, claimedAt))) continue;
        return { record: await this.finishClaim(owner, input, key, claimedAt), replayed: false };
      }
      if (entry.requestHash !== hash) {
        throw new AppError('idempotency_key_reused', undefined, { details: { field: 'Idempotency-Key' } });
      }
      const age = Date.now() - entry.createdAt.getTime();
      if (age > this.options.idempotencyKeyTtlMs) {
        await this.keys.release(owner, key, entry.createdAt);
        continue;
      }
      if (entry.response) return { record: entry.response, replayed: true };
      if (age < this.staleMs) {
        if (Date.now() < waitUntil) {
          await sleep(25);
          continue;
        }
        throw new AppError('idempotency_key_in_progress', undefined, { headers: { 'Retry-After': '1' } });
      }
      // The first request never answered (its process died mid-way): finish its work under its claim.
      // One retry takes it over (the store decides, across processes); the others wait for its answer.
      const reclaimedAt = new Date();
      if (!(await this.keys.reclaim(owner, key, entry.createdAt, reclaimedAt))) {
        await sleep(25);
        continue;
      }
      const earlier = await this.records.findByRequestKey(owner, key, entry.createdAt);
      if (earlier) {
        await this.keys.complete(owner, key, toView(earlier));
        return { record: toView(earlier), replayed: true };
      }
      return { record: await this.finishClaim(owner, input, key, reclaimedAt), replayed: false };
    }
    throw AppError.conflict('Idempotency-Key is contended, try again', 'idempotency_key_in_progress');
  }

  private async finishClaim(owner: string, input: RecordInput, key: string, claimedAt: Date): Promise<RecordView> {
    let view: RecordView;
    try {
      view = toView(await this.insert(owner, input, key));
    } catch (err) {
      // Nothing was created: free the key so a retry starts afresh instead of waiting for a dead claim.
      await this.keys.release(owner, key, claimedAt).catch(() => undefined);
      throw err;
    }
    await this.keys.complete(owner, key, view);
    return view;
  }

  private async whyNot(owner: string, id: number): Promise<AppError> {
    const current = await this.records.findOne(owner, id);
    if (!current) return AppError.notFound(`Record ${id} not found`);
    return AppError.preconditionFailed(`Record ${id} changed since it was read (version is now ${current.version})`);
  }
}

function positionOf(record: RecordData, sort: RecordSort): ListPosition {
  return { sort, at: sort.endsWith('updatedAt') ? record.updatedAt : record.createdAt, id: record.id };
}
