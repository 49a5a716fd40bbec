import type { EventBus, Logger } from '@app/common';
import type { RecordService } from '../domain/record-service';

/**
 * When a user is deleted, their records go too. Deleting by owner is idempotent, so a redelivered
 * event is harmless; the bus dead-letters one that breaks the event contract before it gets here.
 */
export async function consumeUserDeleted(bus: EventBus, queue: string, records: RecordService, logger: Logger): Promise<void> {
  await bus.subscribe(queue, ['user.deleted'], async (event) => {
    const removed = await records.removeUser(event.data.userId);
    logger.info({ userId: event.data.userId, removed }, "removed a deleted user's records");
  });
}
