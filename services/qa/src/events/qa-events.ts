import type { EventHandler, Logger } from '@app/common';

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
