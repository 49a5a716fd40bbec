import { createHash } from 'node:crypto';
import type { EventOf, EventOutbox, Logger } from '@app/common';
import type { QaJobRepository } from '../data/qa-job-repository';
import type { JobError, QaJob } from '../domain/qa-job';
import type { JobChange, JobChangePublisher } from './job-changes';

/** What a job's state may become while a worker runs it. */
export type JobTransition =
  | { to: 'active'; attempts: number; at: Date }
  | { to: 'progress'; stage: string; progress: number; attempts: number }
  | { to: 'retrying'; error: JobError; attempts: number }
  | { to: 'completed'; owner: string; result: unknown; at: Date; startedAt: Date | null }
  | { to: 'failed'; error: JobError; at: Date; startedAt?: Date | null };

/** The BullMQ job being run: its progress field mirrors the stored one. */
export interface QueuedJob {
  updateProgress(progress: { stage: string; progress: number }): Promise<void>;
}

export interface JobStateOptions {
  jobs: QaJobRepository;
  /** Where `qa.job.completed` / `qa.job.failed` are written, to be relayed to the broker. */
  outbox: Pick<EventOutbox<EventOf<'qa'>>, 'emit'>;
  /** Redis pub/sub to the API instances waiting on a job (`Prefer: wait`, the SSE stream). */
  changes?: Pick<JobChangePublisher, 'publish'>;
  /** Told when a job ended, whichever way (frees its place in its owner's quota). */
  onFinished?: (job: QaJob) => Promise<void>;
  logger: Logger;
}

/** A job ends once, so every telling of its end is one event: the same id each time. */
export function jobEndEventId(job: Pick<QaJob, 'id' | 'status'>): string {
  const type: EventOf<'qa'> = job.status === 'completed' ? 'qa.job.completed' : 'qa.job.failed';
  return createHash('sha256').update(`${type}\n${job.id}`).digest('hex').slice(0, 32);
}

const changeOf = (job: QaJob): JobChange => ({ id: job.id, status: job.status, stage: job.stage, progress: job.progress, attempts: job.attempts });

/**
 * A job's state has one source of truth, its record in MongoDB, and one way to change it in the
 * worker: `change`. It writes the record first; the other channels are derived from what was
 * written, never written on their own: the change goes to waiting API instances over Redis pub/sub,
 * a running job's progress to BullMQ, and a job's end to the outbox (the broker's `qa.job.*` event)
 * and to its owner's quota. A channel that misses a change is behind, never ahead: the record is
 * what the API reads.
 */
export class JobState {
  constructor(private readonly options: JobStateOptions) {}

  /**
   * Applies `transition` to job `id`. Returns the job as stored when this call started or ended it,
   * null when it did not (the job is gone, or its end was decided already: then that end is told
   * again, since its decider may have been lost before telling it) and for progress and retries.
   */
  async change(id: string, transition: JobTransition, queued?: QueuedJob): Promise<QaJob | null> {
    const { jobs } = this.options;
    switch (transition.to) {
      case 'active': {
        const active = await jobs.markActive(id, transition.attempts, transition.at);
        if (!active) await this.tellEndAgain(id);
        else await this.tell(changeOf(active));
        return active;
      }
      case 'progress': {
        const { stage, progress, attempts } = transition;
        await jobs.setStage(id, stage, progress);
        await this.tell({ id, status: 'active', stage, progress, attempts }, undefined, queued);
        return null;
      }
      case 'retrying': {
        // Stays as it is when its end was decided meanwhile; waiters then hear the end from its decider.
        if (await jobs.markRetrying(id, transition.error)) {
          await this.tell({ id, status: 'queued', stage: 'retrying', progress: 0, attempts: transition.attempts });
        }
        return null;
      }
      case 'completed':
      case 'failed': {
        const ended =
          transition.to === 'completed'
            ? await jobs.complete(id, transition.owner, transition.result, transition.at, transition.startedAt)
            : await jobs.fail(id, transition.error, transition.at, transition.startedAt);
        if (!ended) await this.tellEndAgain(id);
        else await this.tell(changeOf(ended), ended);
        return ended;
      }
    }
  }

  /** Tells an ended job's end again, from its record: a re-run found it ended, or lost the decision. */
  async tellEndAgain(id: string): Promise<void> {
    const ended = await this.options.jobs.findFinished(id);
    if (ended) await this.tell(changeOf(ended), ended);
  }

  private async tell(change: JobChange, ended?: QaJob, queued?: QueuedJob): Promise<void> {
    const { changes, onFinished, outbox, logger } = this.options;
    await Promise.all([
      changes?.publish(change),
      queued
        ?.updateProgress({ stage: change.stage, progress: change.progress })
        .catch((err: unknown) => logger.warn({ err: String(err), jobId: change.id }, "could not copy the job's progress to the queue")),
      ended &&
        onFinished?.(ended).catch((err: unknown) => logger.warn({ err: String(err), jobId: ended.id }, 'could not release the job from its quota')),
      ended &&
        outbox.emit(
          ended.status === 'completed' ? 'qa.job.completed' : 'qa.job.failed',
          { userId: ended.owner, jobId: ended.id },
          { id: jobEndEventId(ended) },
        ),
    ]);
  }
}
