/** Field bounds: shared by request validation, the OpenAPI document and the stored schema. */
export const RECORD_LIMITS = {
  optionType: 64,
  status: 32,
  description: 2000,
} as const;

/**
 * `exactTotal`: a list's `total` is exact up to this many records; past it the answer gives this number
 * and says it is a lower bound, so that a page costs the page and not a count of all the owner's records.
 */
export const PAGE_LIMITS = { defaultLimit: 20, maxLimit: 100, maxPage: 10_000, exactTotal: 1000 } as const;

export const SORTS = ['createdAt', '-createdAt', 'updatedAt', '-updatedAt'] as const;
export type RecordSort = (typeof SORTS)[number];

/** What a caller provides when creating a record. */
export interface RecordInput {
  option_type: string;
  description: string;
  status: string;
}

export type RecordChanges = Partial<RecordInput>;

/** A stored record as the domain sees it. */
export interface RecordData extends RecordInput {
  id: number;
  owner: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** The JSON shape of a record in every answer. */
export interface RecordView extends RecordInput {
  id: number;
  owner: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function toView(record: RecordData): RecordView {
  return {
    id: record.id,
    option_type: record.option_type,
    description: record.description,
    status: record.status,
    owner: record.owner,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    version: record.version,
  };
}

/**
 * Which versions a conditional write accepts: `any` when the caller sent no precondition
 * (or `If-Match: *`), otherwise the versions named by the caller's entity tags.
 */
export type VersionCondition = { kind: 'any' } | { kind: 'versions'; versions: number[] };

export interface RecordFilter {
  owner: string;
  status?: string;
  option_type?: string;
}

/** A position in a sorted listing: the sort key of the last item seen, and its id to break ties. */
export interface ListPosition {
  sort: RecordSort;
  at: Date;
  id: number;
}
