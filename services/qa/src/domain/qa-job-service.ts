import { createHash, randomInt, randomUUID } from 'node:crypto';
import { AppError, type Logger } from '@app/common';
import {
  DuplicateJobError,
  type AnalysisJobs,
  type DocumentStore,
  type JobPage,
  type JobStore,
  type JobWatcher,
  type RecentUploadLog,
} from './ports';
import { isFinished, isJobId, type DocumentPart, type QaJob, type StoredFile } from './qa-job';

export interface QaJobServiceOptions {
  jobs: JobStore;
  files: DocumentStore;
  queue: AnalysisJobs;
  logger: Logger;
  dedupWindowSeconds: number;
  /** Which job a user's recent upload of the same documents made (see RecentUploads). */
  recentUploads: RecentUploadLog;
  /** Tells of a job's changes as workers make them (Redis pub/sub). */
  watcher: JobWatcher;
  /** The safety-net poll while waiting: changes are pushed, this only covers a lost message. */
  pollIntervalMs: number;
  now?: () => Date;
}

/** A job being listened to (see `QaJobService.watchFinish`). */
export interface FinishWatch {
  /**
   * Waits until the job finishes, `timeoutMs` passes or `signal` aborts; returns the last state seen.
   * `known` is the job as the caller just wrote it: then it is not read until a change or the poll says to.
   */
  until(owner: string, timeoutMs: number, signal?: AbortSignal, known?: QaJob): Promise<QaJob | null>;
  stop(): void;
}

export interface Submission {
  job: QaJob;
  /** False when the same documents were already submitted by this user within the dedup window. */
  created: boolean;
}

/** sha256 over both documents' hashes: the identity of "these two files" for deduplication. */
export function contentHashOf(files: Record<DocumentPart, StoredFile>): string {
  return createHash('sha256').update(`resume:${files.resume.sha256}\njd:${files.jd.sha256}`).digest('hex');
}

/** The HTTP side of the pipeline: submitting documents, reading, waiting for and deleting jobs. */
export class QaJobService {
  private readonly now: () => Date;

  constructor(private readonly options: QaJobServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  newJobId(): string {
    return randomUUID();
  }

  /**
   * Records a job for uploaded files and queues it, unless the same user sent the same two files
   * within the dedup window: then the earlier job answers and the new copies are deleted.
   */
  async submit(input: { id: string; owner: string; files: Record<DocumentPart, StoredFile>; requestId?: string }): Promise<Submission> {
    const { jobs, queue, dedupWindowSeconds, recentUploads } = this.options;
    const contentHash = contentHashOf(input.files);
    const createdAt = this.now();
    const windowMs = dedupWindowSeconds * 1000;
    try {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        if (windowMs > 0) {
          const earlierId = await recentUploads.claim(input.owner, contentHash, input.id, windowMs);
          const earlier = earlierId && isJobId(earlierId) ? await jobs.findOwned(earlierId, input.owner, { withResult: false }) : null;
          if (earlier) return await this.served(earlier, input);
          // The recorded job is gone (deleted): this upload's job takes its place.
          if (earlierId) await recentUploads.replace(input.owner, contentHash, input.id, windowMs);
        }
        // The unique (owner, contentHash, bucket) index settles two uploads racing within one window;
        // without a window every job gets a bucket of its own.
        const dedupBucket = windowMs > 0 ? Math.floor(createdAt.getTime() / windowMs) : -randomInt(1, 2 ** 47);
        try {
          const job = await jobs.insert({ id: input.id, owner: input.owner, contentHash, dedupBucket, files: input.files, createdAt });
          try {
            await queue.enqueue({
              jobId: job.id,
              owner: job.owner,
              fileIds: { resume: job.files.resume.fileId, jd: job.files.jd.fileId },
              requestId: input.requestId,
            });
          } catch (err) {
            await jobs.deleteById(job.id).catch(() => undefined);
            throw err;
          }
          return { job, created: true };
        } catch (err) {
          if (!(err instanceof DuplicateJobError)) throw err;
          const winner = await jobs.findInBucket(input.owner, contentHash, dedupBucket);
          if (winner) return await this.served(winner, input);
          // The winner was deleted meanwhile: try once more.
        }
      }
      throw AppError.conflict('The same documents are being submitted concurrently; try again');
    } catch (err) {
      await this.deleteFiles(input.files);
      throw err;
    }
  }

  private async served(earlier: QaJob, input: { files: Record<DocumentPart, StoredFile>; requestId?: string }): Promise<Submission> {
    await this.deleteFiles(input.files);
    if (earlier.status === 'queued') {
      // Queueing is idempotent by job id; this heals a job whose enqueue was lost to a crash.
      await this.options.queue.enqueue({ jobId: earlier.id, owner: earlier.owner, requestId: input.requestId }).catch(() => undefined);
    }
    return { job: earlier, created: false };
  }

  private async deleteFiles(files: Record<DocumentPart, StoredFile>): Promise<void> {
    for (const file of Object.values(files)) {
      await this.options.files.delete(file.fileId).catch((err: unknown) => {
        this.options.logger.error({ err: String(err), fileId: file.fileId }, 'could not delete an unused upload');
      });
    }
  }

  /** The caller's job; another user's job and malformed ids are both "not found". */
  async get(id: string, owner: string): Promise<QaJob> {
    const job = isJobId(id) ? await this.options.jobs.findOwned(id, owner) : null;
    if (!job) throw AppError.notFound('No such job');
    return job;
  }

  list(owner: string, page: number, limit: number): Promise<JobPage> {
    return this.options.jobs.listOwned(owner, page, limit);
  }

  /**
   * Starts listening for job `id`'s changes now, before it exists, so that a job finishing faster than
   * its upload's answer is written is not missed; `until` then waits without first reading a job the
   * caller has just made. `stop` ends the listening (`until` does too, when it returns).
   */
  watchFinish(id: string): FinishWatch {
    let finishedMeanwhile = false;
    let completedAttempts: number | undefined;
    let wake: (() => void) | undefined;
    const unwatch = this.options.watcher.watch(id, (change) => {
      if (!isFinished(change.status)) return;
      finishedMeanwhile = true;
      if (change.status === 'completed') completedAttempts = change.attempts;
      wake?.();
    });
    const until = async (owner: string, timeoutMs: number, signal?: AbortSignal, known?: QaJob): Promise<QaJob | null> => {
      const deadline = Date.now() + timeoutMs;
      let last: QaJob | null = known ?? null;
      let read = known === undefined;
      try {
        for (;;) {
          if (read || finishedMeanwhile) {
            finishedMeanwhile = false;
            try {
              // Told it completed, a job the caller just made is read from its finish decision alone.
              last =
                known && completedAttempts !== undefined
                  ? await this.options.jobs.findCompleted(known, completedAttempts)
                  : await this.options.jobs.findOwned(id, owner);
            } catch (err) {
              // A blip in MongoDB should not turn a wait into an error; the next read may succeed.
              this.options.logger.debug({ err: String(err) }, 'job read failed while waiting');
            }
          }
          read = true;
          if (!last || isFinished(last.status) || signal?.aborted) return last;
          const remaining = deadline - Date.now();
          if (remaining <= 0) return last;
          // A change announced while the record was being read is not missed.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the watcher while the read was awaited
          if (finishedMeanwhile) continue;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', done);
              wake = undefined;
              resolve();
            };
            const timer = setTimeout(done, Math.min(this.options.pollIntervalMs, remaining));
            signal?.addEventListener('abort', done, { once: true });
            wake = done;
          });
        }
      } finally {
        unwatch();
      }
    };
    return { until, stop: unwatch };
  }

  /**
   * Waits until the job finishes, `timeoutMs` passes or `signal` aborts; returns the last state
   * seen. Woken by the job's own change messages, with a slow poll of MongoDB in case one is lost.
   */
  waitUntilFinished(id: string, owner: string, timeoutMs: number, signal?: AbortSignal): Promise<QaJob | null> {
    return this.watchFinish(id).until(owner, timeoutMs, signal);
  }

  /** Removes the job, its queued BullMQ job, its files and then its record. */
  async remove(id: string, owner: string): Promise<void> {
    const job = await this.get(id, owner);
    await this.purge(job);
  }

  /** Removes a job whose retention ended, whoever owns it; a job already gone is fine. */
  async expire(id: string): Promise<void> {
    const job = await this.options.jobs.findById(id);
    if (job) await this.purge(job);
  }

  /** Removes every job and file of a user (on `user.deleted`); safe to run again. */
  async removeUserData(owner: string): Promise<number> {
    const all = await this.options.jobs.listAllOwned(owner);
    for (const job of all) await this.purge(job);
    // Files a crashed upload left without a job, and results a crashed worker left, carry the owner too.
    await this.options.files.deleteByOwner(owner);
    await this.options.jobs.deleteResultsOf(owner);
    return all.length;
  }

  private async purge(job: QaJob): Promise<void> {
    await this.options.queue.remove(job.id);
    // Files first, record last: if this stops half-way the record is still there to delete again.
    for (const file of Object.values(job.files)) await this.options.files.delete(file.fileId);
    await this.options.jobs.deleteById(job.id);
  }
}
