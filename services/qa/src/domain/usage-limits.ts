import { AppError } from '@app/common';
import type { UsageCounter } from './ports';

export interface UsageLimitsOptions {
  store: UsageCounter;
  /** Jobs a user may have queued or running at once. */
  maxActiveJobs: number;
  /** Event streams a user may hold open at once (over all instances). */
  maxStreams: number;
  /** Bytes a user may upload per UTC day. */
  maxBytesPerDay: number;
  /** An open stream refreshes its place at every heartbeat; one not refreshed for this long is gone. */
  streamStaleMs: number;
  now?: () => Date;
}

// A job not finished within this long no longer holds a place: a worker that crashed before
// releasing it must not lock its owner out for good.
const JOB_PLACE_MS = 60 * 60 * 1000;
// When a place frees depends on the user's other jobs; a job takes seconds, so ask again soon.
const JOB_RETRY_AFTER_S = 5;
const STREAM_RETRY_AFTER_S = 5;

function quotaExceeded(message: string, retryAfterSeconds: number, details: Record<string, unknown>): AppError {
  return AppError.quotaExceeded(retryAfterSeconds, message, details);
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** What one user may hold at once or per day; each refusal is a 429 with Retry-After and the limit. */
export class UsageLimits {
  private readonly now: () => Date;

  constructor(private readonly options: UsageLimitsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Takes a place among the user's queued and running jobs for `jobId`, if today's uploaded bytes
   * plus `incoming` (the upload's announced size, when known) stay within the daily allowance.
   */
  async reserveUpload(owner: string, jobId: string, incoming: number): Promise<void> {
    const { store, maxActiveJobs, maxBytesPerDay } = this.options;
    const now = this.now();
    const place = await store.reserveUpload(owner, jobId, {
      jobs: maxActiveJobs,
      staleMs: JOB_PLACE_MS,
      day: utcDay(now),
      incoming,
      maxBytes: maxBytesPerDay,
    });
    if (place.taken) return;
    if (place.over === 'bytes') {
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      throw quotaExceeded(
        `This upload would take you past ${maxBytesPerDay} uploaded bytes today (${place.bytesUsed} used); the allowance renews at 00:00 UTC`,
        (midnight - now.getTime()) / 1000,
        { limit: 'upload_bytes_per_day', max: maxBytesPerDay, used: place.bytesUsed },
      );
    }
    throw quotaExceeded(
      `You have ${maxActiveJobs} jobs queued or running, the most allowed at once; submit more when one finishes`,
      JOB_RETRY_AFTER_S,
      { limit: 'active_jobs', max: maxActiveJobs },
    );
  }

  async releaseJob(owner: string, jobId: string): Promise<void> {
    await this.options.store.release('jobs', owner, jobId);
  }

  /** Counts an upload's bytes for today and, for a job it created, schedules that job's expiry (QA_RETENTION_DAYS). */
  async recordUpload(owner: string, bytes: number, newJob?: { id: string; createdAt: Date }): Promise<void> {
    await this.options.store.recordUpload(owner, utcDay(this.now()), bytes, newJob && { jobId: newJob.id, createdAt: newJob.createdAt });
  }

  async reserveStream(owner: string, streamId: string): Promise<void> {
    const { store, maxStreams, streamStaleMs } = this.options;
    if (!(await store.reserve('streams', owner, streamId, maxStreams, streamStaleMs))) {
      throw quotaExceeded(`You have ${maxStreams} event streams open, the most allowed at once; close one first`, STREAM_RETRY_AFTER_S, {
        limit: 'open_streams',
        max: maxStreams,
      });
    }
  }

  /** Keeps an open stream's place (called at each heartbeat). */
  async refreshStream(owner: string, streamId: string): Promise<void> {
    const { store, streamStaleMs } = this.options;
    await store.reserve('streams', owner, streamId, Number.MAX_SAFE_INTEGER, streamStaleMs);
  }

  async releaseStream(owner: string, streamId: string): Promise<void> {
    await this.options.store.release('streams', owner, streamId);
  }
}
