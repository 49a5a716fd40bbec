import type { RedisClient } from '@app/common';
import type { UploadPlace } from '../domain/ports';

/**
 * Per-user usage counted in Redis (the queue's Redis, which does not evict): the jobs a user has
 * waiting or running, their open event streams, and the bytes they uploaded today, plus the schedule
 * of when each job's files and result expire. Every key is one user's (or due-ordered), so each check
 * costs what that user holds, never a scan of everyone's jobs.
 */

// Check and take a place in one step, so two uploads racing cannot both take the last one.
// KEYS[1] sorted set; ARGV: member, limit, score now, drop scores below, key ttl seconds.
// Returns 1 when the member holds a place, else 0.
const TAKE_PLACE = `
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

// An upload's two checks in one round trip: today's bytes (KEYS[2]) plus ARGV[6] within ARGV[7],
// then a place among the user's jobs as above. Returns {taken (1/0, or -1 when the bytes are over), bytes used}.
const TAKE_UPLOAD_PLACE = `
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used + tonumber(ARGV[6]) > tonumber(ARGV[7]) then return {-1, used} end
local function take()
${TAKE_PLACE}
end
return {take(), used}
`;

type Scripts = RedisClient & {
  qaTakePlace(key: string, member: string, limit: number, now: number, staleBefore: number, ttlSeconds: number): Promise<number>;
  qaTakeUploadPlace(
    key: string,
    bytesKey: string,
    member: string,
    limit: number,
    now: number,
    staleBefore: number,
    ttlSeconds: number,
    incoming: number,
    maxBytes: number,
  ): Promise<[number, number]>;
};

export class UsageStore {
  private readonly redis: Scripts;

  constructor(
    redis: RedisClient,
    /** Keys are named after the queue, so deployments (and tests) sharing a Redis stay apart. */
    private readonly prefix: string,
  ) {
    // Sent by hash once Redis knows them (EVALSHA), not as the whole script every time.
    if (!('qaTakePlace' in redis)) {
      redis.defineCommand('qaTakePlace', { numberOfKeys: 1, lua: TAKE_PLACE });
      redis.defineCommand('qaTakeUploadPlace', { numberOfKeys: 2, lua: TAKE_UPLOAD_PLACE });
    }
    this.redis = redis as Scripts;
  }

  /** The owner is the hash tag: a user's keys share one Redis Cluster slot, as the upload script's two keys must. */
  private key(kind: string, owner: string): string {
    return `${this.prefix}:${kind}:{${owner}}`;
  }

  /**
   * Takes one of `limit` places for `member` in the user's set of `kind`; places older than
   * `staleMs` no longer count (a crash may have left them behind). False when all are taken.
   */
  async reserve(kind: 'jobs' | 'streams', owner: string, member: string, limit: number, staleMs: number): Promise<boolean> {
    const now = Date.now();
    const ttlSeconds = Math.ceil(staleMs / 1000) + 60;
    const taken = await this.redis.qaTakePlace(this.key(kind, owner), member, limit, now, now - staleMs, ttlSeconds);
    return taken === 1;
  }

  /**
   * An upload's place among the user's jobs, as `reserve`, taken only if `incoming` more bytes keep
   * the user within `maxBytes` on the UTC day `day`: both checks in one round trip.
   */
  async reserveUpload(
    owner: string,
    member: string,
    limits: { jobs: number; staleMs: number; day: string; incoming: number; maxBytes: number },
  ): Promise<UploadPlace> {
    const now = Date.now();
    const ttlSeconds = Math.ceil(limits.staleMs / 1000) + 60;
    const [taken, bytesUsed] = await this.redis.qaTakeUploadPlace(
      this.key('jobs', owner),
      this.bytesKey(owner, limits.day),
      member,
      limits.jobs,
      now,
      now - limits.staleMs,
      ttlSeconds,
      limits.incoming,
      limits.maxBytes,
    );
    if (taken === 1) return { taken: true };
    return { taken: false, over: taken === -1 ? 'bytes' : 'jobs', bytesUsed };
  }

  async release(kind: 'jobs' | 'streams', owner: string, member: string): Promise<void> {
    await this.redis.zrem(this.key(kind, owner), member);
  }

  private bytesKey(owner: string, day: string): string {
    return this.key(`bytes:${day}`, owner);
  }

  /**
   * Counts an upload's bytes for the day and, for a new job, schedules its expiry. The schedule is
   * one key for all users, in another Cluster slot than the user's count, so the two are separate
   * writes: the schedule first, because a job missing from it would keep its files for ever, where
   * a count missing would only give its user that upload's bytes again.
   */
  async recordUpload(owner: string, day: string, bytes: number, expiry?: { jobId: string; createdAt: Date }): Promise<void> {
    if (expiry) await this.redis.zadd(`${this.prefix}:retention`, expiry.createdAt.getTime(), expiry.jobId);
    const key = this.bytesKey(owner, day);
    await this.redis
      .multi()
      .incrby(key, bytes)
      .expire(key, 2 * 24 * 3600)
      .exec();
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
