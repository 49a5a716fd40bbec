import { hash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withTimeout } from '@app/common';
import { ScriptBatch } from '../redis/script-batch';

export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: string; // base64
  etag: string;
  storedAt: number;
}

const PREFIX = 'gwcache:v2';
// A user id goes into the key hashed, so key names never carry raw identifiers.
const userPart = (userId: string) => hash('sha256', userId, 'base64url').slice(0, 22);
const generationKey = (userId: string, group: string) => `${PREFIX}:gen:${userPart(userId)}:${group}`;

// The generation and the entry under it in one round trip. The entry's key is built inside
// the script from the generation, so it is not declared in KEYS: this needs a standalone Redis.
const LOOKUP = `
local generation = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. generation .. ARGV[2]
return {key, redis.call('GET', key)}
`;

type LookupCommand = (generationKey: string, entryPrefix: string, entrySuffix: string) => Promise<[string, string | null]>;

export interface Lookup {
  key: string;
  entry?: CachedResponse;
}

/**
 * The per-user cache in Redis. Each user has a generation per cache group (the services
 * behind one upstream), part of every entry's key: invalidation costs one INCR however many
 * entries the user has, old entries are never read again and expire by their TTL, and a HIT
 * is one command.
 */
export class ResponseStore {
  private readonly lookupCommand: LookupCommand;

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {
    if (!('gatewayCacheLookup' in redis)) redis.defineCommand('gatewayCacheLookup', { numberOfKeys: 1, lua: LOOKUP });
    const batch = new ScriptBatch<[string, string | null]>(redis, 'gatewayCacheLookup');
    this.lookupCommand = (generation, prefix, suffix) => batch.call(generation, prefix, suffix);
  }

  get available(): boolean {
    return this.redis.status === 'ready';
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.timeoutMs, 'cache');
  }

  /** The key of a user's answer to `method url` under the group's current generation, and the answer if kept. */
  async lookup(userId: string, group: string, method: string, url: string): Promise<Lookup> {
    const user = userPart(userId);
    const digest = hash('sha256', `${method} ${url}`, 'base64url');
    const [key, raw] = await this.bounded(this.lookupCommand(generationKey(userId, group), `${PREFIX}:e:${user}:${group}:`, `:${digest}`));
    return raw ? { key, entry: JSON.parse(raw) as CachedResponse } : { key };
  }

  async read(key: string): Promise<CachedResponse | undefined> {
    const raw = await this.bounded(this.redis.get(key));
    return raw ? (JSON.parse(raw) as CachedResponse) : undefined;
  }

  async write(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void> {
    await this.bounded(this.redis.set(key, JSON.stringify(entry), 'EX', ttlSeconds));
  }

  /** Makes every kept answer of the user in these groups stale. */
  async invalidateUser(userId: string, groups: readonly string[]): Promise<void> {
    if (groups.length === 0) return;
    const multi = this.redis.multi();
    // The generation outlives every entry written under it, so it never falls back to a used value.
    for (const group of groups) multi.incr(generationKey(userId, group)).expire(generationKey(userId, group), 7 * 24 * 3600);
    await this.bounded(multi.exec());
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
