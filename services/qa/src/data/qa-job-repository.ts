import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { isDuplicateKey, mapMongoError, mongoCall } from '@app/common/mongo';
import type { Binary } from 'mongodb';
import { mongo, Schema, type Connection, type Model } from 'mongoose';
import type { DocumentPart, JobError, JobStatus, QaJob } from '../domain/qa-job';
import { DuplicateJobError, type JobPage, type NewJob } from '../domain/ports';

// Every user's jobs live in one `qajobs` collection (shard key `{owner: 1, _id: 1}`): a user's list,
// count and duplicate-upload check name the owner first and are served by compound indexes beginning
// with it. Hot paths (polling a job, progress writes) look a job up by `_id` alone, a primary-key read
// on every store (FerretDB v1 answers only that shape from an index without the project's patches), and
// check the owner in code. State changes that must be decided once are inserts (see finish), the one
// write atomic on every store; a result lives in its job's finish decision, not in the job.

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
  /** Possibly missing on a stored document: lean reads apply no schema defaults. */
  progress?: number;
  stage?: string;
  contentHash: string;
  /** floor(createdAt / dedup window): with owner and contentHash, the unique key that stops a double upload racing in. */
  dedupBucket: number;
  files: Record<DocumentPart, StoredFileDoc>;
  createdAt: Date;
  /** Missing until the first start (so that $min sets it once). */
  startedAt?: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  attempts?: number;
  error: JobError | null;
  /** How many times the job was completed: the store step's condition keeps this at 1. */
  completions: number;
}

/**
 * How a job ended, decided once (`qa_job_finishes`, `_id` = the job's id): the first completion or
 * failure to insert it wins, atomically on every store. A condition on the status beside `_id` would
 * make FerretDB read every job of every user to finish one. A completion's decision carries the
 * result, so that storing it costs no write of its own and a losing finisher cannot write another.
 */
interface JobFinishDoc {
  _id: string;
  /** Whose job: a user's deletion removes what a crash left behind. */
  owner?: string;
  at: Date;
  /** The fields the job ends with. */
  fields: Record<string, unknown>;
  /**
   * The result, when the job completed: its JSON text (the analysis may key objects by skill names such
   * as "node.js" or "$", which not every MongoDB-compatible server accepts as field names) deflated at the fastest level
   * (a 47 KB result: 0.3 ms, 8 KB). A sixth of the bytes, and FerretDB stores and reads binary data
   * far faster than long strings.
   */
  result?: Binary;
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

// Indexes are created once connected (ensureIndexes), not by mongoose at model creation, because the
// connection may not be open yet and commands are not buffered.
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
    startedAt: { type: Date },
    finishedAt: { type: Date, default: null },
    durationMs: { type: Number, default: null },
    attempts: { type: Number, default: 0 },
    error: { type: Schema.Types.Mixed, default: null },
    completions: { type: Number, default: 0 },
  },
  { collection: 'qajobs', versionKey: false, autoIndex: false, autoCreate: false, strict: true },
);
jobSchema.index({ owner: 1, contentHash: 1, dedupBucket: 1 }, { unique: true, name: 'owner_content_window' });
// A user's list (newest first, ties by id) and its count.
jobSchema.index({ owner: 1, createdAt: -1, _id: -1 }, { name: 'owner_created' });

const jobFinishSchema = new Schema<JobFinishDoc>(
  {
    _id: { type: String, required: true },
    owner: { type: String },
    at: { type: Date, required: true },
    fields: { type: Schema.Types.Mixed, required: true },
    result: { type: Buffer },
  },
  { collection: 'qa_job_finishes', versionKey: false, autoIndex: false, autoCreate: false, strict: true },
);
// What a crashed worker left of a deleted user's jobs.
jobFinishSchema.index({ owner: 1 }, { name: 'owner' });

function resultFrom(stored: Binary): unknown {
  return JSON.parse(inflateRawSync(stored.buffer.subarray(0, stored.position)).toString('utf8')) as unknown;
}

function toJob(doc: QaJobDoc, result: unknown = null): QaJob {
  // A finished job shows its final stage whatever a late progress write (setStage) left behind.
  const finished = doc.status === 'completed' || doc.status === 'failed';
  return {
    id: doc._id,
    owner: doc.owner,
    status: doc.status,
    progress: doc.status === 'completed' ? 100 : (doc.progress ?? 0),
    stage: finished ? doc.status : (doc.stage ?? 'queued'),
    contentHash: doc.contentHash,
    files: doc.files,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt ?? null,
    durationMs: doc.durationMs ?? null,
    attempts: doc.attempts ?? 0,
    result,
    error: doc.error ?? null,
  };
}

/** Jobs of the QA pipeline (`qajobs`) and how each ended (`qa_job_finishes`); callers' reads are scoped by owner. */
export class QaJobRepository {
  private readonly jobs: Model<QaJobDoc>;
  private readonly finishes: Model<JobFinishDoc>;

  constructor(connection: Connection) {
    this.jobs = connection.model<QaJobDoc>('QaJob', jobSchema);
    this.finishes = connection.model<JobFinishDoc>('QaJobFinish', jobFinishSchema);
  }

  /** One index per command (mongoose creates them in turn): FerretDB v1.24 fails a createIndexes naming several that exist. */
  async ensureIndexes(): Promise<void> {
    await this.jobs.createIndexes();
    await this.finishes.createIndexes();
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
      finishedAt: null,
      durationMs: null,
      attempts: 0,
      error: null,
      completions: 0,
    };
    try {
      await this.jobs.collection.insertOne(doc as never);
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateJobError();
      throw mapMongoError(err);
    }
    return toJob(doc);
  }

  /** A job without its result (what the worker and internal code need). */
  async findById(id: string): Promise<QaJob | null> {
    const doc = await mongoCall(() => this.jobs.findById(id).lean<QaJobDoc>().exec());
    return doc ? toJob(doc) : null;
  }

  /** The caller's job, with its result when `withResult` and completed; null for anyone else's. */
  async findOwned(id: string, owner: string, { withResult = true } = {}): Promise<QaJob | null> {
    const doc = await mongoCall(() => this.jobs.findById(id).lean<QaJobDoc>().exec());
    if (!doc || doc.owner !== owner) return null;
    if (!withResult || doc.status !== 'completed') return toJob(doc);
    return toJob(doc, await this.resultOf(id));
  }

  /** A completed job's result, from its finish decision. */
  private async resultOf(id: string): Promise<unknown> {
    const decision = await this.decisionOf(id);
    return decision?.result ? resultFrom(decision.result) : null;
  }

  private decisionOf(id: string): Promise<JobFinishDoc | null> {
    return mongoCall(() => this.finishes.findById(id).lean<JobFinishDoc>().exec());
  }

  /**
   * The caller's job `known` (as it was created) once completed, read from its finish decision alone:
   * the decision holds every field the job ended with and the result, so a waiter woken by the job's
   * completion reads one document, not the job and then its result. Anything else (a failure, no
   * decision) is read as `findOwned` reads it.
   */
  async findCompleted(known: QaJob, attempts: number): Promise<QaJob | null> {
    const decision = await this.decisionOf(known.id);
    const fields = decision?.fields as Partial<QaJobDoc> | undefined;
    if (!decision?.result || fields?.status !== 'completed' || fields.startedAt === undefined) return this.findOwned(known.id, known.owner);
    const { id, owner, contentHash, files, createdAt } = known;
    const doc = { _id: id, owner, contentHash, files, createdAt, dedupBucket: 0, completions: 1, ...fields, attempts } as QaJobDoc;
    return toJob(doc, resultFrom(decision.result));
  }

  /** The job of `owner` for the same documents in one dedup bucket (what a losing racer of the unique index finds). */
  async findInBucket(owner: string, contentHash: string, dedupBucket: number): Promise<QaJob | null> {
    const doc = await mongoCall(() => this.jobs.collection.findOne({ owner, contentHash, dedupBucket }));
    return doc ? toJob(doc as unknown as QaJobDoc) : null;
  }

  /** A page of the owner's jobs, newest first, and how many the owner has: both from the `owner_created` index. */
  async listOwned(owner: string, page: number, limit: number): Promise<JobPage> {
    const [found, total] = await mongoCall(() =>
      Promise.all([
        this.jobs.collection
          .find({ owner })
          .sort({ createdAt: -1, _id: -1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .toArray(),
        this.jobs.collection.countDocuments({ owner }),
      ]),
    );
    return { items: found.map((doc) => toJob(doc as unknown as QaJobDoc)), total };
  }

  async listAllOwned(owner: string): Promise<QaJob[]> {
    const docs = await mongoCall(() => this.jobs.collection.find({ owner }).toArray());
    return docs.map((doc) => toJob(doc as unknown as QaJobDoc));
  }

  /** Deletes the job's end decision (with its result), then the job. */
  async deleteById(id: string): Promise<boolean> {
    await mongoCall(() => this.finishes.deleteOne({ _id: id }).exec());
    const doc = await mongoCall(() => this.jobs.findOneAndDelete({ _id: id }).lean<QaJobDoc>().exec());
    return doc !== null;
  }

  /** Decisions (holding results) a crashed worker may have left without their job. */
  async deleteResultsOf(owner: string): Promise<void> {
    await mongoCall(() => this.finishes.deleteMany({ owner }).exec());
  }

  /**
   * Marks a job as being worked on, in one write by `_id` alone (startedAt keeps the first start);
   * null when the job is gone or already finished. A condition on the status beside `_id` would make
   * FerretDB scan every job, so the write is unconditional and returns the job as it was: a job that
   * had finished (a re-run of a job whose acknowledgement to BullMQ was lost) gets its fields back.
   */
  async markActive(id: string, attempts: number, now: Date): Promise<QaJob | null> {
    const before = await mongoCall(() =>
      this.jobs
        .findOneAndUpdate(
          { _id: id },
          { $set: { status: 'active', stage: 'started', progress: 0, attempts }, $min: { startedAt: now } },
          { returnDocument: 'before' },
        )
        .lean<QaJobDoc>()
        .exec(),
    );
    if (!before) return null;
    if (before.status === 'completed' || before.status === 'failed') {
      await mongoCall(() =>
        this.jobs
          .updateOne(
            { _id: id },
            { $set: { status: before.status, stage: before.stage ?? before.status, progress: before.progress ?? 0, attempts: before.attempts ?? 0 } },
          )
          .exec(),
      );
      return null;
    }
    const startedAt = before.startedAt && before.startedAt < now ? before.startedAt : now;
    return toJob({ ...before, status: 'active', stage: 'started', progress: 0, attempts, startedAt });
  }

  /** Progress of a running job; a write landing after the job finished is hidden by toJob. */
  async setStage(id: string, stage: string, progress: number): Promise<void> {
    await mongoCall(() => this.jobs.updateOne({ _id: id }, { $set: { stage, progress } }).exec());
  }

  /** Puts a job that failed an attempt back in line for a retry, keeping the last error for the caller; false when it stayed as it was. */
  async markRetrying(id: string, error: JobError): Promise<boolean> {
    // Read and written by `_id` (see finish): a job whose end is decided, or that is not running, stays as it is.
    if (await mongoCall(() => this.finishes.exists({ _id: id }).exec())) return false;
    const job = await mongoCall(() => this.jobs.findById(id, { status: 1 }).lean<Pick<QaJobDoc, 'status'>>().exec());
    if (job?.status !== 'active') return false;
    await mongoCall(() => this.jobs.updateOne({ _id: id }, { $set: { status: 'queued', stage: 'retrying', error } }).exec());
    return true;
  }

  /**
   * Stores the result and completes the job, unless it already finished (or is gone): a re-run after
   * a worker died between storing and acknowledging writes nothing. The result goes into the job's
   * finish decision (see finish), so the first finisher's result is the one kept; its event is
   * told afterwards (see JobState). Returns the job when this call completed it.
   */
  async complete(id: string, owner: string, result: unknown, now: Date, startedAt: Date | null): Promise<QaJob | null> {
    const durationMs = startedAt ? Math.max(0, now.getTime() - startedAt.getTime()) : null;
    // completions is set, not incremented: whoever writes the decision (its decider, or a finisher after
    // a decider that stopped) writes the same values, so the job shows the one completion it had.
    return this.finish(
      id,
      owner,
      // startedAt too (the job's own, unchanged), so that the decision alone shows the whole ended job.
      {
        status: 'completed',
        stage: 'completed',
        progress: 100,
        error: null,
        ...(startedAt ? { startedAt } : {}),
        finishedAt: now,
        durationMs,
        completions: 1,
      },
      now,
      deflateRawSync(JSON.stringify(result ?? null), { level: constants.Z_BEST_SPEED }),
    );
  }

  /** The job if it finished (a re-run of a finished job tells its end again: its decider may have been lost before telling it). */
  async findFinished(id: string): Promise<QaJob | null> {
    const doc = await mongoCall(() => this.jobs.findById(id).lean<QaJobDoc>().exec());
    return doc && (doc.status === 'completed' || doc.status === 'failed') ? toJob(doc) : null;
  }

  /**
   * Marks a job failed unless it already finished; returns the
   * job when this call failed it. Without `startedAt` it is read first (for durationMs).
   */
  async fail(id: string, error: JobError, now: Date, startedAt?: Date | null): Promise<QaJob | null> {
    let started = startedAt;
    let owner: string | undefined;
    if (started === undefined) {
      const current = await this.findById(id);
      if (!current) return null;
      started = current.startedAt;
      owner = current.owner;
    }
    const durationMs = started ? Math.max(0, now.getTime() - started.getTime()) : null;
    return this.finish(id, owner, { status: 'failed', stage: 'failed', error, finishedAt: now, durationMs }, now);
  }

  /**
   * Ends a job with `fields` unless its end was decided already; returns the job when this call ended it.
   * The decision is inserted first and written to the job after, both by `_id`. A finisher that loses
   * the insert writes the winner's decision to the job should it still be unfinished (its decider may
   * have stopped in between; the same values, so writing them twice is harmless) and returns null:
   * the event is the decider's (a finisher that lost tells the decided end again, see JobState).
   */
  private async finish(id: string, owner: string | undefined, fields: Record<string, unknown>, now: Date, result?: Buffer): Promise<QaJob | null> {
    try {
      await this.finishes.collection.insertOne({
        _id: id,
        ...(owner ? { owner } : {}),
        at: now,
        fields,
        ...(result === undefined ? {} : { result: new mongo.Binary(result) }),
      } as never);
    } catch (err) {
      if (!isDuplicateKey(err)) throw mapMongoError(err);
      const decided = await mongoCall(() => this.finishes.findById(id).lean<JobFinishDoc>().exec());
      const job = await mongoCall(() => this.jobs.findById(id).lean<QaJobDoc>().exec());
      if (decided && job && job.status !== 'completed' && job.status !== 'failed') {
        await mongoCall(() => this.jobs.updateOne({ _id: id }, { $set: decided.fields }).exec());
      }
      return null;
    }
    // One write by `_id`, which returns the job as it was: the decision is ours, so the job is ours to end.
    const before = await mongoCall(() =>
      this.jobs.findOneAndUpdate({ _id: id }, { $set: fields }, { returnDocument: 'before' }).lean<QaJobDoc>().exec(),
    );
    if (!before) {
      // Deleted while it ran: nothing to end, and the decision (with any result) must not outlive the job.
      await mongoCall(() => this.finishes.deleteOne({ _id: id }).exec());
      return null;
    }
    return toJob({ ...before, ...fields });
  }
}
