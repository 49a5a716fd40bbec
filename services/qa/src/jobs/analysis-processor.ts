import { runWithContext, type Logger, type Metrics } from '@app/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { FileNotFoundError, type FileStore } from '../data/file-store';
import type { QaJobRepository } from '../data/qa-job-repository';
import { STAGE_PROGRESS, type JobError, type QaJob } from '../domain/qa-job';
import { documentDetailsOf, type AnalysisResult } from './analyse-documents';
import type { AnalysisJobData } from './analysis-queue';
import type { JobState } from './job-state';
import { ProgressWrites } from './progress-writes';

export interface JobMetrics {
  completed: ReturnType<Metrics['counter']>;
  failed: ReturnType<Metrics['counter']>;
  duration: ReturnType<Metrics['histogram']>;
  /** Attempts that failed and are tried again. */
  retried: ReturnType<Metrics['counter']>;
}

export interface ProcessorOptions {
  jobs: QaJobRepository;
  /** Every change of a job's state goes through it: stored first, then told on the other channels. */
  state: JobState;
  files: FileStore;
  logger: Logger;
  metrics: JobMetrics;
  analyse: (resume: Buffer, jd: Buffer, onProgress: (stage: string) => Promise<void>) => Promise<AnalysisResult>;
  documentProblemOf: (err: unknown) => JobError | null;
  /** How often at most a running job's progress is stored (and so told to waiters and the queue). */
  progressWriteMs?: number;
  now?: () => Date;
}

// Waiters and event streams hear of a stage within this long; a job's stages of a few milliseconds
// each (most jobs) are not worth a write apiece, and the job's end is always stored and told at once.
const PROGRESS_WRITE_MS = 250;

const PROCESSING_FAILED = 'The analysis could not be completed; please submit the documents again later';

/**
 * Runs one analysis job. Its effects are safe to repeat, because BullMQ may run a job again after a
 * worker died or lost its lock: a finished job is not redone, the result is written only if the job
 * has not finished yet, and its end is told again (the same event, under the same id).
 */
export function createAnalysisProcessor(options: ProcessorOptions) {
  const { jobs, state, files, logger, metrics } = options;
  const now = options.now ?? (() => new Date());

  const recordFinished = (job: QaJob, outcome: 'completed' | 'failed', reason?: string) => {
    if (outcome === 'completed') metrics.completed.inc();
    else metrics.failed.inc({ reason: reason ?? 'unknown' });
    if (job.durationMs !== null) metrics.duration.observe({ outcome }, job.durationMs / 1000);
  };

  const failJob = async (id: string, error: JobError, startedAt?: Date | null) => {
    const failed = await state.change(id, { to: 'failed', error, at: now(), startedAt });
    if (failed) recordFinished(failed, 'failed', error.reason);
  };

  const process = async (job: Job<AnalysisJobData>): Promise<void> => {
    const id = job.data.jobId;
    const attempts = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    // The files are read while the job is marked started; for a job that turns out gone or finished the reads are dropped.
    const { fileIds } = job.data;
    const earlyFiles = fileIds ? Promise.all([files.read(fileIds.resume), files.read(fileIds.jd)]) : undefined;
    earlyFiles?.catch(() => undefined);
    // Deleted, or finished by an earlier run whose acknowledgement to BullMQ was lost (its end is told again).
    const active = await state.change(id, { to: 'active', attempts, at: now() });
    if (!active) {
      logger.info({ jobId: id }, 'nothing to do: the job is gone or already finished');
      return;
    }
    logger.info({ jobId: id, attempt: attempts }, 'analysis started');

    let lastProgress = 0;
    const progressWrites = new ProgressWrites(
      { stage: active.stage, progress: active.progress },
      options.progressWriteMs ?? PROGRESS_WRITE_MS,
      async ({ stage, progress }) => {
        await state.change(id, { to: 'progress', stage, progress, attempts }, job);
      },
      (err) => logger.warn({ err: String(err), jobId: id }, "could not store the job's progress"),
    );
    const report = async (stage: string) => {
      // Stages the library adds later still move the bar forward, never back.
      const progress = Math.max(lastProgress, STAGE_PROGRESS[stage] ?? lastProgress);
      lastProgress = progress;
      await progressWrites.update({ stage, progress });
    };

    let result: AnalysisResult;
    try {
      // The job's record names its files; the queue's copy of their ids is used only when it agrees.
      const agreed = fileIds?.resume === active.files.resume.fileId && fileIds.jd === active.files.jd.fileId;
      const [resume, jd] = await (agreed && earlyFiles
        ? earlyFiles
        : Promise.all([files.read(active.files.resume.fileId), files.read(active.files.jd.fileId)]));
      result = await options.analyse(resume, jd, report);
      await report('store');
    } catch (err) {
      await progressWrites.close();
      if (err instanceof FileNotFoundError && !(await jobs.findById(id))) {
        logger.info({ jobId: id }, 'job was deleted while it ran');
        return;
      }
      const problem =
        err instanceof FileNotFoundError
          ? { reason: 'file_missing', message: 'An uploaded file is missing; submit the documents again', files: [] }
          : options.documentProblemOf(err);
      if (!problem) throw err;
      logger.info({ jobId: id, problem, details: documentDetailsOf(err) }, 'documents refused');
      await failJob(id, problem, active.startedAt);
      // A bad document stays bad: no retries.
      throw new UnrecoverableError(problem.message);
    }
    await progressWrites.close();

    const completed = await state.change(id, { to: 'completed', owner: active.owner, result, at: now(), startedAt: active.startedAt });
    if (!completed) return;
    recordFinished(completed, 'completed');
    logger.info({ jobId: id, durationMs: completed.durationMs }, 'analysis completed');
  };

  // Anything else that goes wrong (MongoDB or Redis away, a bug) is retried with backoff; the job's
  // record says so, and says failed once the last attempt is spent.
  const processWithRetries = async (job: Job<AnalysisJobData>): Promise<void> => {
    try {
      await process(job);
    } catch (err) {
      if (err instanceof UnrecoverableError) throw err;
      const id = job.data.jobId;
      const error: JobError = { reason: 'processing_failed', message: PROCESSING_FAILED, files: [] };
      logger.warn({ err, jobId: id, attemptsMade: job.attemptsMade }, 'analysis attempt failed');
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!last) metrics.retried.inc();
      const record = last ? failJob(id, error) : state.change(id, { to: 'retrying', error, attempts: job.attemptsMade + 1 });
      await record.catch((recordErr: unknown) => logger.warn({ err: String(recordErr), jobId: id }, 'could not record the failed attempt'));
      throw err;
    }
  };

  return (job: Job<AnalysisJobData>) => runWithContext({ requestId: job.data.requestId ?? `job-${job.data.jobId}` }, () => processWithRetries(job));
}

/**
 * A job that lost its worker too often is failed by BullMQ's stalled check without our processor
 * running; record that in the job too.
 */
export async function failStalledJob(options: Pick<ProcessorOptions, 'state' | 'metrics'> & { now?: () => Date }, jobId: string): Promise<void> {
  const now = options.now ?? (() => new Date());
  const error: JobError = {
    reason: 'processing_failed',
    message: 'The analysis stopped repeatedly (its worker was lost); please submit the documents again',
    files: [],
  };
  const failed = await options.state.change(jobId, { to: 'failed', error, at: now() });
  if (!failed) return;
  options.metrics.failed.inc({ reason: error.reason });
  if (failed.durationMs !== null) options.metrics.duration.observe({ outcome: 'failed' }, failed.durationMs / 1000);
}
