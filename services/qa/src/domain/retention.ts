import type { Logger } from '@app/common';
import type { UsageCounter } from './ports';
import type { QaJobService } from './qa-job-service';

const BATCH = 100;

/**
 * Deletes the jobs (record, files, result) created more than `retentionMs` ago. It reads only the
 * schedule's due entries, oldest first, so a sweep costs what has expired, not what is kept.
 * Entries are removed after their job is, so a sweep cut short is finished by the next one.
 */
export async function sweepExpiredJobs(
  options: { schedule: Pick<UsageCounter, 'dueForExpiry' | 'expired'>; service: Pick<QaJobService, 'expire'>; retentionMs: number; logger: Logger },
  now = new Date(),
): Promise<number> {
  const before = new Date(now.getTime() - options.retentionMs);
  let removed = 0;
  for (;;) {
    const due = await options.schedule.dueForExpiry(before, BATCH);
    for (const id of due) {
      await options.service.expire(id);
      await options.schedule.expired(id);
      removed += 1;
    }
    if (due.length < BATCH) break;
  }
  if (removed > 0) options.logger.info({ removed }, 'expired jobs removed');
  return removed;
}
