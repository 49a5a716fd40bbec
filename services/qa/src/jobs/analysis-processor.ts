import { runWithContext, type EventBus, type Logger, type Metrics } from '@app/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { FileNotFoundError, type FileStore } from '../data/file-store';
import type { QaJobRepository } from '../data/qa-job-repository';
import { STAGE_PROGRESS, type JobError, type QaJob } from '../domain/qa-job';
import { FIRST_ANNOUNCEMENT, publishFinishedJob, REPEATED_ANNOUNCEMENT } from '../events/qa-events';
import { documentDetailsOf, type AnalysisResult } from './analyse-documents';
import type { AnalysisJobData } from './analysis-queue';
import type { JobChange, JobChangePublisher } from './job-changes';
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
  files: FileStore;
  bus: EventBus;
  logger: Logger;
  metrics: JobMetrics;
  analyse: (resume: Buffer, jd: Buffer, onProgress: (stage: string) => Promise<void>) => Promise<AnalysisResult>;
  documentProblemOf: (err: unknown) => JobError | null;
  /** Tells waiting API instances of each change at once (they would otherwise only see it on their next poll). */
  changes?: Pick<JobChangePublisher, 'publish'>;
  /** Told when a job finishes, whichever way (frees its place in its owner's quota). */
  onFinished?: (job: QaJob) => Promise<void>;
  /** How often at most a running job's progress is stored (every stage is pushed to waiters at once). */
  progressWriteMs?: number;
  now?: () => Date;
}

const PROGRESS_WRITE_MS = 1000;
// Waiters and event streams hear of a stage within this long; a job's stages of a few milliseconds
// each (most jobs) are not worth a message apiece, and the job's end is always told at once.
const LIVE_PROGRESS_MS = 100;

function changeOf(job: QaJob): JobChange {
  return { id: job.id, status: job.status, stage: job.stage, progress: job.progress, attempts: job.attempts };
}

const PROCESSING_FAILED = 'The analysis could not be completed; please submit the documents again later';

/**
 * A job found already ended, by a finisher that may have been lost before the broker confirmed its
 * event (it wrote no note then): announced again, after `tell` (harmless to repeat, as the event is).
 */
async function announceEndedAgain(options: Pick<ProcessorOptions, 'jobs' | 'bus'>, id: string, tell?: (job: QaJob) => Promise<void>): Promise<void> {
  const ended = await options.jobs.findFinished(id);
  if (!ended) return;
  await tell?.(ended);
  await publishFinishedJob(options.bus, options.jobs, ended, REPEATED_ANNOUNCEMENT);
}

/**
 * Runs one analysis job. Its effects are safe to repeat, because BullMQ may run a job again after a
 * worker died or lost its lock: a finished job is not redone, the result is written only if the job
 * has not finished yet, and its event is announced until the broker confirms it (at least once).
 */
export function createAnalysisProcessor(options: ProcessorOptions) {
  const { jobs, files, bus, logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const announce = async (change: JobChange) => options.changes?.publish(change);
  const finished = async (job: QaJob) => {
    await Promise.all([
      announce(changeOf(job)),
      options.onFinished?.(job).catch((err: unknown) => logger.warn({ err: String(err), jobId: job.id }, 'could not release the job from its quota')),
    ]);
  };

  const recordFinished = (job: QaJob, outcome: 'completed' | 'failed', reason?: string) => {
    if (outcome === 'completed') metrics.completed.inc();
    else metrics.failed.inc({ reason: reason ?? 'unknown' });
    if (job.durationMs !== null) metrics.duration.observe({ outcome }, job.durationMs / 1000);
  };

  // A finish that lost to an earlier decision: that decider may also have been lost before it told
  // the waiters and freed the quota place, so those are done again too.
  const announceEarlierEnd = (id: string) => announceEndedAgain({ jobs, bus }, id, finished);

  const failJob = async (id: string, error: JobError, startedAt?: Date | null) => {
    const failed = await jobs.fail(id, error, now(), startedAt);
    if (!failed) {
      await announceEarlierEnd(id);
      return;
    }
    recordFinished(failed, 'failed', error.reason);
    await Promise.all([finished(failed), publishFinishedJob(bus, jobs, failed, FIRST_ANNOUNCEMENT)]);
  };

  const process = async (job: Job<AnalysisJobData>): Promise<void> => {
    const id = job.data.jobId;
    const attempts = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    // The files are read while the job is marked started; for a job that turns out gone or finished the reads are dropped.
    const { fileIds } = job.data;
    const earlyFiles = fileIds ? Promise.all([files.read(fileIds.resume), files.read(fileIds.jd)]) : undefined;
    earlyFiles?.catch(() => undefined);
    const active = await jobs.markActive(id, attempts, now());
    if (!active) {
      // Deleted, or finished by an earlier run whose acknowledgement to BullMQ was lost; that run
      // may have died before the broker confirmed the event, so it is announced again.
      await announceEarlierEnd(id);
      logger.info({ jobId: id }, 'nothing to do: the job is gone or already finished');
      return;
    }
    logger.info({ jobId: id, attempt: attempts }, 'analysis started');
    await announce(changeOf(active));

    let lastProgress = 0;
    const progressWrites = new ProgressWrites(
      { stage: active.stage, progress: active.progress },
      options.progressWriteMs ?? PROGRESS_WRITE_MS,
      async ({ stage, progress }) => {
        await Promise.all([jobs.setStage(id, stage, progress), job.updateProgress({ stage, progress })]);
      },
      (err) => logger.warn({ err: String(err), jobId: id }, "could not store the job's progress"),
    );
    const liveProgress = new ProgressWrites(
      { stage: active.stage, progress: active.progress },
      LIVE_PROGRESS_MS,
      async ({ stage, progress }) => announce({ id, status: 'active', stage, progress, attempts }),
      () => undefined,
    );
    const report = async (stage: string) => {
      // Stages the library adds later still move the bar forward, never back.
      const progress = Math.max(lastProgress, STAGE_PROGRESS[stage] ?? lastProgress);
      lastProgress = progress;
      await Promise.all([liveProgress.update({ stage, progress }), progressWrites.update({ stage, progress })]);
    };
    const endProgress = () => Promise.all([liveProgress.close(), progressWrites.close()]);

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
      await endProgress();
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
    await endProgress();

    const completed = await jobs.complete(id, active.owner, result, now(), active.startedAt);
    if (!completed) {
      await announceEarlierEnd(id);
      return;
    }
    recordFinished(completed, 'completed');
    logger.info({ jobId: id, durationMs: completed.durationMs }, 'analysis completed');
    // Waiters (Redis) and the event's consumers (the broker) are told side by side.
    await Promise.all([finished(completed), publishFinishedJob(bus, jobs, completed, FIRST_ANNOUNCEMENT)]);
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
      const record = last
        ? failJob(id, error)
        : jobs.markRetrying(id, error).then(() => announce({ id, status: 'queued', stage: 'retrying', progress: 0, attempts: job.attemptsMade + 1 }));
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
export async function failStalledJob(
  options: Pick<ProcessorOptions, 'jobs' | 'bus' | 'metrics' | 'changes' | 'onFinished'> & { now?: () => Date },
  jobId: string,
): Promise<void> {
  const now = options.now ?? (() => new Date());
  const error: JobError = {
    reason: 'processing_failed',
    message: 'The analysis stopped repeatedly (its worker was lost); please submit the documents again',
    files: [],
  };
  const failed = await options.jobs.fail(jobId, error, now());
  if (!failed) {
    await announceEndedAgain(options, jobId);
    return;
  }
  await options.changes?.publish(changeOf(failed));
  await options.onFinished?.(failed).catch(() => undefined);
  options.metrics.failed.inc({ reason: error.reason });
  if (failed.durationMs !== null) options.metrics.duration.observe({ outcome: 'failed' }, failed.durationMs / 1000);
  await publishFinishedJob(options.bus, options.jobs, failed, FIRST_ANNOUNCEMENT);
}
