import type { EventBus, EventData, EventHandler, Logger } from '@app/common';
import type { QaJob } from '../domain/qa-job';
import type { QaJobRepository } from '../data/qa-job-repository';

export const QA_JOB_COMPLETED = 'qa.job.completed';
export const QA_JOB_FAILED = 'qa.job.failed';
export const USER_DELETED = 'user.deleted';

export type QaJobEvent = EventData<typeof QA_JOB_COMPLETED>;

/**
 * Announces a finished job, at least once: the job records the broker's confirm, and a job without
 * one is announced again (by a re-run of its BullMQ job or the worker's sweep). Consumers key on
 * `jobId`, so a repeat does no harm; a lost event would leave a stale cache behind.
 */
export async function publishFinishedJob(bus: EventBus, jobs: Pick<QaJobRepository, 'markEventPublished'>, job: QaJob): Promise<void> {
  const event: QaJobEvent = { userId: job.owner, jobId: job.id };
  if (await bus.publishConfirmed(job.status === 'completed' ? QA_JOB_COMPLETED : QA_JOB_FAILED, event)) {
    await jobs.markEventPublished(job.id);
  }
}

/**
 * `user.deleted`: the user's jobs, results and files go. A failure requeues the event (the removal is
 * repeatable); one that breaks the event contract is dead-lettered by the bus before it gets here.
 */
export function onUserDeleted(removeUserData: (userId: string) => Promise<number>, logger: Logger): EventHandler<typeof USER_DELETED> {
  return async (event) => {
    const { userId } = event.data;
    const removed = await removeUserData(userId);
    logger.info({ userId, jobs: removed }, 'removed the QA jobs and files of a deleted user');
  };
}
