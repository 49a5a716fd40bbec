import { AppError, type EventBus, type Logger } from '@app/common';

/**
 * Publishes an outbox entry (the domain's `{owner, id}`) as its contract event `{userId, recordId}`,
 * under the entry's id: an entry sent again (its confirm was lost) is the same event to consumers.
 * An entry the contract refuses (written by hand or by an older version) is logged and dropped
 * rather than thrown, so it cannot block the entries after it.
 */
export async function publishRecordEvent(bus: EventBus, logger: Logger, type: string, data: unknown, eventId?: string): Promise<void> {
  const { owner, id: recordId } = (data ?? {}) as { owner?: unknown; id?: unknown };
  try {
    await bus.publish(type as 'record.created', { userId: owner as string, recordId: recordId as number }, { id: eventId });
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'invalid_event') throw err;
    logger.error({ err: String(err), type, data }, 'outbox entry breaks the event contract, dropped');
  }
}
