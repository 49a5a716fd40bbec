import type { Logger } from '@app/common';
import type { QaJobRepository } from '../data/qa-job-repository';
import type { UsageStore } from '../data/usage-store';
import type { QaJobService } from './qa-job-service';

const BATCH = 100;

/**
 * Deletes the jobs (record, files, result) created more than `retentionMs` ago. It reads only the
 * schedule's due entries, oldest first, so a sweep costs what has expired, not what is kept.
 * Entries are removed after their job is, so a sweep cut short is finished by the next one.
 */
export async function sweepExpiredJobs(
  options: { schedule: Pick<UsageStore, 'dueForExpiry' | 'expired'>; service: Pick<QaJobService, 'expire'>; retentionMs: number; logger: Logger },
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

/**
 * Jobs created before retention existed are not in its schedule, so the sweep would never see them:
 * they are scheduled by their creation time, once per database (a marker in `qa_meta`). One pass over
 * the jobs, in batches; repeating it (two instances starting together, a pass cut short) schedules
 * nothing twice and moves no job's time.
 */
export async function scheduleUnscheduledJobs(options: {
  jobs: Pick<QaJobRepository, 'onceInDatabase' | 'creationTimes'>;
  schedule: Pick<UsageStore, 'scheduleMissing'>;
  logger: Logger;
}): Promise<number> {
  let seen = 0;
  const ran = await options.jobs.onceInDatabase('retention-schedule', async () => {
    for await (const batch of options.jobs.creationTimes(BATCH * 5)) {
      await options.schedule.scheduleMissing(batch);
      seen += batch.length;
    }
  });
  if (ran) options.logger.info({ jobs: seen }, 'jobs created before retention existed are now scheduled for it');
  return seen;
}
