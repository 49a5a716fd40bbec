import type { EventData } from '@app/common';
import type { RecordEventType } from '../domain/ports';

/** The contract's payload of a record event; the outbox keeps the domain's `{owner, id}`. */
export function recordEventData(data: { owner: string; id: number }): EventData<RecordEventType> {
  return { userId: data.owner, recordId: data.id };
}
