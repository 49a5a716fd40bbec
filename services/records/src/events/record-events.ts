import type { EventOf, EventOutbox } from '@app/common';
import type { RecordEvents } from '../domain/ports';

/** The domain's `{owner, id}` as the catalogue's `{userId, recordId}`, written to the outbox with the change. */
export class OutboxRecordEvents implements RecordEvents {
  constructor(private readonly outbox: EventOutbox<EventOf<'records'>>) {}

  emit(type: EventOf<'records'>, { owner, id }: { owner: string; id: number }): Promise<void> {
    return this.outbox.emit(type, { userId: owner, recordId: id });
  }
}

/** Outbox entries of releases before the shared outbox held the domain's `{owner, id}`: read as the event's payload. */
export function upgradeRecordEntry(_type: string, data: unknown): unknown {
  const legacy = data as { owner?: unknown; id?: unknown; userId?: unknown } | null;
  if (legacy && legacy.userId === undefined && legacy.owner !== undefined) return { userId: legacy.owner, recordId: legacy.id };
  return data;
}
