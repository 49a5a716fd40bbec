import type { RedisClient } from '@app/common';

/**
 * Which job each user's recent upload of a pair of documents made, for deduplication: one Redis key
 * per user and content hash, expiring with the dedup window. Finding the earlier job so costs one
 * Redis command whatever the user's history, where a query of their job entries would read them all
 * on FerretDB. Losing a key (a flushed Redis) only lets a duplicate through: the unique
 * (owner, contentHash, dedupBucket) index still folds two uploads within one bucket into one job.
 */
export class RecentUploads {
  constructor(
    private readonly redis: RedisClient,
    /** Keys are named after the queue, so deployments (and tests) sharing a Redis stay apart. */
    private readonly prefix: string,
  ) {}

  private key(owner: string, contentHash: string): string {
    return `${this.prefix}:${owner}:${contentHash}`;
  }

  /** Records `jobId` for the upload for `windowMs`, unless a job is recorded already: then that job's id. */
  async claim(owner: string, contentHash: string, jobId: string, windowMs: number): Promise<string | null> {
    // NX with GET (Redis 7): set if absent, and say what was there, in one step.
    const earlier = await this.redis.set(this.key(owner, contentHash), jobId, 'PX', windowMs, 'NX', 'GET');
    return earlier === jobId ? null : earlier;
  }

  /** Records `jobId` in place of an earlier job that is gone. */
  async replace(owner: string, contentHash: string, jobId: string, windowMs: number): Promise<void> {
    await this.redis.set(this.key(owner, contentHash), jobId, 'PX', windowMs);
  }
}

export function recentUploadsPrefix(queueName: string): string {
  return `qa:${queueName}:recent-uploads`;
}
