import { AppError, isDuplicateKey, mapMongoError } from '@app/common';
import { Schema, type Connection, type Model } from 'mongoose';
import type { DocumentPart, JobError, JobStatus, QaJob, StoredFile } from '../domain/qa-job';

interface StoredFileDoc {
  fileId: string;
  name: string;
  size: number;
  sha256: string;
}

interface QaJobDoc {
  _id: string;
  owner: string;
  status: JobStatus;
  progress: number;
  stage: string;
  contentHash: string;
  /** floor(createdAt / dedup window): with owner and contentHash, the unique key that stops a double upload racing in. */
  dedupBucket: number;
  files: Record<DocumentPart, StoredFileDoc>;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  attempts: number;
  // The result is kept as JSON text: the analysis may key objects by skill names ("node.js", "$"), which
  // MongoDB-compatible servers do not all accept as field names.
  resultJson: string | null;
  error: JobError | null;
  /** Set, atomically and once, just before the job's completed/failed event is published. */
  eventPublishedAt: Date | null;
  /** How many times a result was written: the store step's idempotence makes this at most 1. */
  completions: number;
}

const fileSchema = new Schema<StoredFileDoc>(
  {
    fileId: { type: String, required: true },
    name: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
  },
  { _id: false },
);

const jobSchema = new Schema<QaJobDoc>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    status: { type: String, required: true },
    progress: { type: Number, default: 0 },
    stage: { type: String, default: 'queued' },
    contentHash: { type: String, required: true },
    dedupBucket: { type: Number, required: true },
    files: {
      resume: { type: fileSchema, required: true },
      jd: { type: fileSchema, required: true },
    },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    durationMs: { type: Number, default: null },
    attempts: { type: Number, default: 0 },
    resultJson: { type: String, default: null },
    error: { type: Schema.Types.Mixed, default: null },
    eventPublishedAt: { type: Date, default: null },
    completions: { type: Number, default: 0 },
  },
  // Indexes are created once connected (ensureIndexes), not by mongoose at model creation, because
  // the connection may not be open yet and commands are not buffered.
  { collection: 'qajobs', versionKey: false, autoIndex: false, autoCreate: false, strict: true },
);
jobSchema.index({ owner: 1, contentHash: 1, dedupBucket: 1 }, { unique: true, name: 'owner_content_window' });
jobSchema.index({ owner: 1, createdAt: -1 }, { name: 'owner_created' });

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

export class DuplicateJobError extends Error {
  constructor() {
    super('a job with the same documents exists in this window');
    this.name = 'DuplicateJobError';
  }
}

function toJob(doc: QaJobDoc, withResult = true): QaJob {
  return {
    id: doc._id,
    owner: doc.owner,
    status: doc.status,
    progress: doc.progress ?? 0,
    stage: doc.stage ?? 'queued',
    contentHash: doc.contentHash,
    files: doc.files,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt ?? null,
    durationMs: doc.durationMs ?? null,
    attempts: doc.attempts ?? 0,
    result: withResult && doc.resultJson ? (JSON.parse(doc.resultJson) as unknown) : null,
    error: doc.error ?? null,
  };
}

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw mapMongoError(err);
  }
}

const LIST_PROJECTION = { resultJson: 0 } as const;

/** Jobs of the QA pipeline in the `qajobs` collection; every query a caller makes is scoped by owner. */
export class QaJobRepository {
  private readonly model: Model<QaJobDoc>;

  constructor(connection: Connection) {
    this.model = connection.model<QaJobDoc>('QaJob', jobSchema);
  }

  async ensureIndexes(): Promise<void> {
    await this.model.createIndexes();
  }

  async insert(job: NewJob): Promise<QaJob> {
    const doc: QaJobDoc = {
      _id: job.id,
      owner: job.owner,
      status: 'queued',
      progress: 0,
      stage: 'queued',
      contentHash: job.contentHash,
      dedupBucket: job.dedupBucket,
      files: job.files,
      createdAt: job.createdAt,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      attempts: 0,
      resultJson: null,
      error: null,
      eventPublishedAt: null,
      completions: 0,
    };
    try {
      await this.model.collection.insertOne(doc as never);
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateJobError();
      throw mapMongoError(err);
    }
    return toJob(doc);
  }

  async findById(id: string): Promise<QaJob | null> {
    const doc = await mapped(this.model.findById(id).lean<QaJobDoc>().exec());
    return doc ? toJob(doc) : null;
  }

  async findOwned(id: string, owner: string): Promise<QaJob | null> {
    const doc = await mapped(this.model.findOne({ _id: id, owner }).lean<QaJobDoc>().exec());
    return doc ? toJob(doc) : null;
  }

  /** The newest job of `owner` for the same documents created at or after `since`. */
  async findRecentDuplicate(owner: string, contentHash: string, since: Date): Promise<QaJob | null> {
    const doc = await mapped(
      this.model
        .findOne({ owner, contentHash, createdAt: { $gte: since } })
        .sort({ createdAt: -1 })
        .lean<QaJobDoc>()
        .exec(),
    );
    return doc ? toJob(doc) : null;
  }

  async findInBucket(owner: string, contentHash: string, dedupBucket: number): Promise<QaJob | null> {
    const doc = await mapped(this.model.findOne({ owner, contentHash, dedupBucket }).lean<QaJobDoc>().exec());
    return doc ? toJob(doc) : null;
  }

  async listOwned(owner: string, page: number, limit: number): Promise<JobPage> {
    const [docs, total] = await mapped(
      Promise.all([
        this.model
          .find({ owner }, LIST_PROJECTION)
          .sort({ createdAt: -1, _id: -1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .lean<QaJobDoc[]>()
          .exec(),
        this.model.countDocuments({ owner }).exec(),
      ]),
    );
    return { items: docs.map((doc) => toJob(doc, false)), total };
  }

  async listAllOwned(owner: string): Promise<QaJob[]> {
    const docs = await mapped(this.model.find({ owner }, LIST_PROJECTION).lean<QaJobDoc[]>().exec());
    return docs.map((doc) => toJob(doc, false));
  }

  async deleteById(id: string): Promise<boolean> {
    const result = await mapped(this.model.deleteOne({ _id: id }).exec());
    return result.deletedCount > 0;
  }

  /** Marks a job as being worked on; null when it is gone or already finished. */
  async markActive(id: string, attempts: number, now: Date): Promise<QaJob | null> {
    const doc = await mapped(
      this.model
        .findOneAndUpdate(
          { _id: id, status: { $in: ['queued', 'active'] } },
          { $set: { status: 'active', stage: 'started', progress: 0, attempts } },
          { returnDocument: 'after' },
        )
        .lean<QaJobDoc>()
        .exec(),
    );
    if (doc && !doc.startedAt) {
      await mapped(this.model.updateOne({ _id: id, startedAt: null }, { $set: { startedAt: now } }).exec());
      doc.startedAt = now;
    }
    return doc ? toJob(doc) : null;
  }

  async setStage(id: string, stage: string, progress: number): Promise<void> {
    await mapped(this.model.updateOne({ _id: id, status: 'active' }, { $set: { stage, progress } }).exec());
  }

  /** Puts a job that failed an attempt back in line for a retry, keeping the last error for the caller. */
  async markRetrying(id: string, error: JobError): Promise<void> {
    await mapped(
      this.model
        .updateOne({ _id: id, status: 'active' }, { $set: { status: 'queued', stage: 'retrying', error } })
        .exec(),
    );
  }

  /**
   * Writes the result unless the job is already completed (or gone): a re-run after a worker died
   * between storing and acknowledging finds the result there and writes nothing. Returns the job
   * when this call completed it.
   */
  async complete(id: string, result: unknown, now: Date): Promise<QaJob | null> {
    const current = await mapped(this.model.findById(id, { startedAt: 1 }).lean<Pick<QaJobDoc, 'startedAt'>>().exec());
    if (!current) return null;
    const durationMs = current.startedAt ? Math.max(0, now.getTime() - current.startedAt.getTime()) : null;
    const doc = await mapped(
      this.model
        .findOneAndUpdate(
          { _id: id, status: { $nin: ['completed', 'failed'] } },
          {
            $set: {
              status: 'completed',
              stage: 'completed',
              progress: 100,
              resultJson: JSON.stringify(result ?? null),
              error: null,
              finishedAt: now,
              durationMs,
            },
            $inc: { completions: 1 },
          },
          { returnDocument: 'after', projection: LIST_PROJECTION },
        )
        .lean<QaJobDoc>()
        .exec(),
    );
    return doc ? toJob(doc, false) : null;
  }

  /** Marks a job failed unless it already finished; returns the job when this call failed it. */
  async fail(id: string, error: JobError, now: Date): Promise<QaJob | null> {
    const current = await mapped(this.model.findById(id, { startedAt: 1 }).lean<Pick<QaJobDoc, 'startedAt'>>().exec());
    if (!current) return null;
    const durationMs = current.startedAt ? Math.max(0, now.getTime() - current.startedAt.getTime()) : null;
    const doc = await mapped(
      this.model
        .findOneAndUpdate(
          { _id: id, status: { $nin: ['completed', 'failed'] } },
          { $set: { status: 'failed', stage: 'failed', error, finishedAt: now, durationMs } },
          { returnDocument: 'after', projection: LIST_PROJECTION },
        )
        .lean<QaJobDoc>()
        .exec(),
    );
    return doc ? toJob(doc, false) : null;
  }

  /**
   * Claims the right to publish the job's final event: only the first caller gets the job back, so
   * the event goes out at most once however many times the store step runs.
   */
  async claimEventPublication(id: string, now: Date): Promise<QaJob | null> {
    const doc = await mapped(
      this.model
        .findOneAndUpdate(
          { _id: id, status: { $in: ['completed', 'failed'] }, eventPublishedAt: null },
          { $set: { eventPublishedAt: now } },
          { returnDocument: 'after', projection: LIST_PROJECTION },
        )
        .lean<QaJobDoc>()
        .exec(),
    );
    return doc ? toJob(doc, false) : null;
  }

  /** For tests and operators: how many times a result was written for this job. */
  async completionsOf(id: string): Promise<number> {
    const doc = await mapped(this.model.findById(id, { completions: 1 }).lean<Pick<QaJobDoc, 'completions'>>().exec());
    if (!doc) throw AppError.notFound('job not found');
    return doc.completions ?? 0;
  }
}
