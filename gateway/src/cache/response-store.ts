import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withTimeout } from '@app/common';

export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: string; // base64
  etag: string;
  storedAt: number;
}

const PREFIX = 'gwcache:v1';
// A user id goes into the key hashed, so key names never carry raw identifiers.
const userPart = (userId: string) => createHash('sha256').update(userId).digest('base64url').slice(0, 22);
const generationKey = (userId: string) => `${PREFIX}:gen:${userPart(userId)}`;

/**
 * The per-user cache in Redis. Invalidation bumps a per-user generation that is part of
 * every entry's key, so a write costs one INCR however many entries the user has; the old
 * entries are never read again and expire by their TTL.
 */
export class ResponseStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  get available(): boolean {
    return this.redis.status === 'ready';
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.timeoutMs, 'cache');
  }

  async entryKey(userId: string, method: string, url: string): Promise<string> {
    const generation = (await this.bounded(this.redis.get(generationKey(userId)))) ?? '0';
    const digest = createHash('sha256').update(`${method} ${url}`).digest('base64url');
    return `${PREFIX}:e:${userPart(userId)}:${generation}:${digest}`;
  }

  async read(key: string): Promise<CachedResponse | undefined> {
    const raw = await this.bounded(this.redis.get(key));
    return raw ? (JSON.parse(raw) as CachedResponse) : undefined;
  }

  async write(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void> {
    await this.bounded(this.redis.set(key, JSON.stringify(entry), 'EX', ttlSeconds));
  }

  async invalidateUser(userId: string): Promise<void> {
    // The generation outlives every entry written under it, so it never falls back to a used value.
    await this.bounded(this.redis.multi().incr(generationKey(userId)).expire(generationKey(userId), 7 * 24 * 3600).exec());
  }

  /** Takes the fill lock for a key; only its holder asks the service, across all gateway instances. */
  async lock(key: string, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const ok = await this.bounded(this.redis.set(`${key}:lock`, token, 'PX', ttlMs, 'NX'));
    return ok === 'OK' ? token : undefined;
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.bounded(
      this.redis.eval(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
        1,
        `${key}:lock`,
        token,
      ),
    );
  }
}
