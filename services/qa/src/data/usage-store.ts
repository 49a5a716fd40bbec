import type { Redis } from 'ioredis';

/**
 * Per-user usage counted in Redis (the queue's Redis, which does not evict): the jobs a user has
 * waiting or running, their open event streams, and the bytes they uploaded today, plus the schedule
 * of when each job's files and result expire. Every key is one user's (or due-ordered), so each check
 * costs what that user holds, never a scan of everyone's jobs.
 */

// Check and take a place in one step, so two uploads racing cannot both take the last one.
// KEYS[1] sorted set; ARGV: member, limit, score now, drop scores below, key ttl seconds.
// Returns 1 when the member holds a place, else 0.
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`;

export class UsageStore {
  constructor(
    private readonly redis: Redis,
    /** Keys are named after the queue, so deployments (and tests) sharing a Redis stay apart. */
    private readonly prefix: string,
  ) {}

  private key(kind: string, owner: string): string {
    return `${this.prefix}:${kind}:${owner}`;
  }

  /**
   * Takes one of `limit` places for `member` in the user's set of `kind`; places older than
   * `staleMs` no longer count (a crash may have left them behind). False when all are taken.
   */
  async reserve(kind: 'jobs' | 'streams', owner: string, member: string, limit: number, staleMs: number): Promise<boolean> {
    const now = Date.now();
    const ttlSeconds = Math.ceil(staleMs / 1000) + 60;
    const taken = await this.redis.eval(RESERVE, 1, this.key(kind, owner), member, limit, now, now - staleMs, ttlSeconds);
    return taken === 1;
  }

  async release(kind: 'jobs' | 'streams', owner: string, member: string): Promise<void> {
    await this.redis.zrem(this.key(kind, owner), member);
  }

  private bytesKey(owner: string, day: string): string {
    return this.key(`bytes:${day}`, owner);
  }

  /** Bytes `owner` uploaded on the UTC day `day` (YYYY-MM-DD). */
  async bytesOn(owner: string, day: string): Promise<number> {
    return Number((await this.redis.get(this.bytesKey(owner, day))) ?? 0);
  }

  async addBytes(owner: string, day: string, bytes: number): Promise<void> {
    const key = this.bytesKey(owner, day);
    await this.redis
      .multi()
      .incrby(key, bytes)
      .expire(key, 2 * 24 * 3600)
      .exec();
  }

  /** Schedules a job's expiry: the sweep finds it by its creation time. */
  async scheduleExpiry(jobId: string, createdAt: Date): Promise<void> {
    await this.redis.zadd(`${this.prefix}:retention`, createdAt.getTime(), jobId);
  }

  /** Schedules jobs not scheduled yet; a job already in the schedule keeps its time. */
  async scheduleMissing(jobs: Array<{ id: string; createdAt: Date }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.redis.zadd(`${this.prefix}:retention`, 'NX', ...jobs.flatMap((job) => [job.createdAt.getTime(), job.id]));
  }

  /** Up to `limit` jobs created before `before`: exactly what is due, oldest first. */
  async dueForExpiry(before: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(`${this.prefix}:retention`, '-inf', `(${before.getTime()}`, 'LIMIT', 0, limit);
  }

  async expired(jobId: string): Promise<void> {
    await this.redis.zrem(`${this.prefix}:retention`, jobId);
  }
}

export function usagePrefix(queueName: string): string {
  return `qa:${queueName}:usage`;
}
