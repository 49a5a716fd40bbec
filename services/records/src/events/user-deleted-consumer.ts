import type { EventBus, Logger } from '@app/common';
import { z } from 'zod';
import type { RecordService } from '../domain/record-service';

const userDeleted = z.looseObject({ userId: z.string().min(1).max(200) });

/**
 * When a user is deleted, their records go too. Deleting by owner is idempotent, so a redelivered
 * event is harmless; a malformed one is acknowledged and logged rather than retried forever.
 */
export async function consumeUserDeleted(bus: EventBus, queue: string, records: RecordService, logger: Logger): Promise<void> {
  await bus.subscribe(queue, ['user.deleted'], async (event) => {
    const parsed = userDeleted.safeParse(event.data);
    if (!parsed.success) {
      logger.error({ eventId: event.id }, 'user.deleted event without a userId ignored');
      return;
    }
    const removed = await records.removeUser(parsed.data.userId);
    logger.info({ userId: parsed.data.userId, removed }, "removed a deleted user's records");
  });
}
