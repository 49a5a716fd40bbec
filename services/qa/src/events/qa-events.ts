import type { EventBus, EventHandler, Logger } from '@app/common';
import type { QaJob } from '../domain/qa-job';

export const QA_JOB_COMPLETED = 'qa.job.completed';
export const QA_JOB_FAILED = 'qa.job.failed';
export const USER_DELETED = 'user.deleted';

export interface QaJobEvent {
  owner: string;
  jobId: string;
}

/**
 * Publishes a finished job's event. Call it only with the job returned by the write that finished
 * it (QaJobRepository.complete / fail), which also set its `eventPublishedAt` marker: however many
 * times the store step runs, one call gets the job back, so the event goes out once.
 */
export async function publishFinishedJob(bus: EventBus, job: QaJob): Promise<void> {
  const event: QaJobEvent = { owner: job.owner, jobId: job.id };
  await bus.publish(job.status === 'completed' ? QA_JOB_COMPLETED : QA_JOB_FAILED, event);
}

/** `user.deleted`: the user's jobs, results and files go. A failure requeues the event (the removal is repeatable). */
export function onUserDeleted(removeUserData: (userId: string) => Promise<number>, logger: Logger): EventHandler {
  return async (event) => {
    const userId = (event.data as { userId?: unknown } | null)?.userId;
    if (typeof userId !== 'string' || userId.length === 0) {
      logger.warn({ eventId: event.id }, 'user.deleted without a userId ignored');
      return;
    }
    const removed = await removeUserData(userId);
    logger.info({ userId, jobs: removed }, 'removed the QA jobs and files of a deleted user');
  };
}
