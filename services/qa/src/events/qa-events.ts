import { createHash } from 'node:crypto';
import type { EventBus, EventData, EventHandler, Logger } from '@app/common';
import type { QaJob } from '../domain/qa-job';
import type { QaJobRepository } from '../data/qa-job-repository';

export type QaJobEvent = EventData<'qa.job.completed'>;

/** What the announcer knows of the job's note in `qa_announcements` (see QaJobRepository). */
export interface AnnounceNote {
  /** A note may exist: remove it once the broker confirmed the event. */
  forget: boolean;
  /** None may exist: write one when the broker did not confirm the event, for the worker's sweep. */
  remember: boolean;
}

/** A job's first announcement, by the worker that just finished it: no note was written. */
export const FIRST_ANNOUNCEMENT: AnnounceNote = { forget: false, remember: true };
/** An announcement by the sweep, which found the job by its note. */
export const SWEEP_ANNOUNCEMENT: AnnounceNote = { forget: true, remember: false };
/** A job found finished again (a re-run after a worker was lost): whether it was announced is unknown. */
export const REPEATED_ANNOUNCEMENT: AnnounceNote = { forget: true, remember: true };

/**
 * Announces a finished job, at least once. The broker's confirm usually comes at once, and then
 * nothing more is written; otherwise a note is written for the worker's sweep, which announces the
 * job again until the broker confirms. A worker lost between finishing a job and the confirm leaves
 * its BullMQ job unacknowledged: its re-run finds the job finished and announces it again. Consumers
 * key on `jobId` (and every announcement carries the same event id), so a repeat does no harm; a
 * lost event would leave a stale cache behind.
 */
export async function publishFinishedJob(
  bus: EventBus,
  jobs: Pick<QaJobRepository, 'markEventPublished' | 'noteUnannounced'>,
  job: QaJob,
  note: AnnounceNote,
): Promise<void> {
  const event: QaJobEvent = { userId: job.owner, jobId: job.id };
  const type = job.status === 'completed' ? 'qa.job.completed' : 'qa.job.failed';
  // A job finishes once, so every announcement of it is one event: the same id each time.
  const id = createHash('sha256').update(`${type}\n${job.id}`).digest('hex').slice(0, 32);
  const confirmed = await bus.publishConfirmed(type, event, { id });
  if (confirmed && note.forget) await jobs.markEventPublished(job.id);
  if (!confirmed && note.remember) await jobs.noteUnannounced(job.id, job.finishedAt ?? new Date());
}

/**
 * `user.deleted`: the user's jobs, results and files go. A failure requeues the event (the removal is
 * repeatable); one that breaks the event contract is dead-lettered by the bus before it gets here.
 */
export function onUserDeleted(removeUserData: (userId: string) => Promise<number>, logger: Logger): EventHandler<'user.deleted'> {
  return async (event) => {
    const { userId } = event.data;
    const removed = await removeUserData(userId);
    logger.info({ userId, jobs: removed }, 'removed the QA jobs and files of a deleted user');
  };
}
