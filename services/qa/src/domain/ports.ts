import type { Writable } from 'node:stream';
import type { DocumentPart, QaJob, StoredFile } from './qa-job';

/*
 * What QA's domain and its routes need from the outside, declared here and implemented by the
 * adapters: data/ (MongoDB, Redis) and jobs/ (BullMQ). The domain and http/ import only this file,
 * never an adapter; each port holds just the operations they call.
 */

export interface NewJob {
  id: string;
  owner: string;
  contentHash: string;
  dedupBucket: number;
  files: Record<DocumentPart, StoredFile>;
  createdAt: Date;
}

export interface JobPage {
  items: QaJob[];
  total: number;
}

/** A job for the same documents exists in this dedup window (the unique index said so). */
export class DuplicateJobError extends Error {
  constructor() {
    super('a job with the same documents exists in this window');
    this.name = 'DuplicateJobError';
  }
}

/** Where jobs live; reads for a caller are scoped by owner. */
export interface JobStore {
  /** Stores a new job; DuplicateJobError when the owner has one for the same documents in the bucket. */
  insert(job: NewJob): Promise<QaJob>;
  findById(id: string): Promise<QaJob | null>;
  /** The caller's job, with its result when `withResult` and completed; null for anyone else's. */
  findOwned(id: string, owner: string, options?: { withResult?: boolean | undefined }): Promise<QaJob | null>;
  /** The caller's job `known` once completed, with its result; as findOwned otherwise. */
  findCompleted(known: QaJob, attempts: number): Promise<QaJob | null>;
  /** The owner's job for the same documents in one dedup bucket. */
  findInBucket(owner: string, contentHash: string, dedupBucket: number): Promise<QaJob | null>;
  /** A page of the owner's jobs, newest first, and how many the owner has. */
  listOwned(owner: string, page: number, limit: number): Promise<JobPage>;
  listAllOwned(owner: string): Promise<QaJob[]>;
  deleteById(id: string): Promise<boolean>;
  /** Results a crashed worker may have left without their job. */
  deleteResultsOf(owner: string): Promise<void>;
}

/** The uploaded documents, as the domain removes them. */
export interface DocumentStore {
  /** Deleting a file that is not there is not an error. */
  delete(id: string): Promise<void>;
  /** Every file stored for `owner`, including any a crashed upload left without a job. */
  deleteByOwner(owner: string): Promise<number>;
}

/** Whose upload a stored file is: written with it, so a deleted user's files are found. */
export interface FileMetadata {
  owner: string;
  jobId: string;
  part: string;
}

/** One file being stored: its id, and the stream its bytes are written into. */
export interface FileUpload {
  id: string;
  stream: Writable;
}

/**
 * The uploaded documents, as the routes stream them in (and remove those of a refused upload). Its
 * calls and streams fail only with an AppError (storage away: the 503), so the routes know no database.
 */
export interface DocumentUploads {
  /**
   * A stream that stores one file. Its record is written when the stream finishes, or with `deferred`
   * by `commit`, so that the files of one upload cost one write.
   */
  openUpload(name: string, metadata: FileMetadata, options?: { deferred?: boolean }): FileUpload;
  /** Writes the records of deferred uploads whose streams have finished, together. */
  commit(uploads: FileUpload[]): Promise<void>;
  /** Deleting a file that is not there is not an error. */
  delete(id: string): Promise<void>;
}

/** A job's state as a worker changes it, pushed to whoever waits on the job. */
export type JobChange = Pick<QaJob, 'id' | 'status' | 'stage' | 'progress' | 'attempts'>;

/** Tells of a job's changes as workers make them; the job's record stays the truth (a change may be lost). */
export interface JobWatcher {
  /** Calls `listener` with each change of job `id` until the returned function is called. */
  watch(id: string, listener: (change: JobChange) => void): () => void;
}

/** Which job each user's recent upload of a pair of documents made, for deduplication. */
export interface RecentUploadLog {
  /** Records `jobId` for the upload for `windowMs`, unless a job is recorded already: then that job's id. */
  claim(owner: string, contentHash: string, jobId: string, windowMs: number): Promise<string | null>;
  /** Records `jobId` in place of an earlier job that is gone. */
  replace(owner: string, contentHash: string, jobId: string, windowMs: number): Promise<void>;
}

/** What goes into the queue for a job: ids only, never the documents. */
export interface QueuedAnalysis {
  jobId: string;
  owner: string;
  fileIds?: { resume: string; jd: string };
  requestId?: string;
}

/** The analysis queue, as the domain uses it. */
export interface AnalysisJobs {
  /** Adds the job under its own id, so the same job can never be queued twice. */
  enqueue(job: QueuedAnalysis): Promise<void>;
  /** Removes a job that has not started; an active one is left to finish and find its record gone. */
  remove(jobId: string): Promise<void>;
}

export type UploadPlace = { taken: true } | { taken: false; over: 'jobs' | 'bytes'; bytesUsed: number };

/** Per-user places (running jobs, open streams) and daily upload bytes. */
export interface UsageCounter {
  /** Takes one of `limit` places for `member`; places older than `staleMs` no longer count. False when all are taken. */
  reserve(kind: 'jobs' | 'streams', owner: string, member: string, limit: number, staleMs: number): Promise<boolean>;
  /** An upload's place among the user's jobs, taken only if `incoming` more bytes keep the user within `maxBytes` on `day`. */
  reserveUpload(
    owner: string,
    member: string,
    limits: { jobs: number; staleMs: number; day: string; incoming: number; maxBytes: number },
  ): Promise<UploadPlace>;
  release(kind: 'jobs' | 'streams', owner: string, member: string): Promise<void>;
  /** Counts an upload's bytes for the day and, for a new job, schedules its expiry. */
  recordUpload(owner: string, day: string, bytes: number, expiry?: { jobId: string; createdAt: Date }): Promise<void>;
  /** Up to `limit` jobs created before `before`, oldest first. */
  dueForExpiry(before: Date, limit: number): Promise<string[]>;
  expired(jobId: string): Promise<void>;
}
