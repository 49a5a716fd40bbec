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

const KEY_MEMO_SIZE = 10_000;
const PARSED_MAX_CHARS = 8 * 1024 * 1024;

/** Keeps a computed value; a full memo starts over, which bounds it without bookkeeping per hit. */
function remember<K, V>(memo: Map<K, V>, key: K, value: V, size: number) {
  if (memo.size >= size) memo.clear();
  memo.set(key, value);
}

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
  // Key parts are hashes of the user id and of the request; both repeat from request to request.
  private readonly userKeys = new Map<string, readonly [string, string]>();
  private readonly suffixes = new Map<string, string>();
  /** Entries parsed from their stored text, oldest first, at most PARSED_MAX_CHARS of text in all. */
  private readonly parsed = new Map<string, { raw: string; entry: CachedResponse }>();
  private parsedChars = 0;

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {
    if (!('gatewayCacheLookup' in redis)) redis.defineCommand('gatewayCacheLookup', { numberOfKeys: 1, lua: LOOKUP });
    const batch = new ScriptBatch<[string, string | null]>(redis, 'gatewayCacheLookup', { ms: timeoutMs, what: 'cache' });
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
    let userKeys = this.userKeys.get(`${userId} ${group}`);
    if (!userKeys) {
      userKeys = [generationKey(userId, group), `${PREFIX}:e:${userPart(userId)}:${group}:`];
      remember(this.userKeys, `${userId} ${group}`, userKeys, KEY_MEMO_SIZE);
    }
    const request = `${method} ${url}`;
    let suffix = this.suffixes.get(request);
    if (!suffix) {
      suffix = `:${hash('sha256', request, 'base64url')}`;
      remember(this.suffixes, request, suffix, KEY_MEMO_SIZE);
    }
    const [key, raw] = await this.lookupCommand(userKeys[0], userKeys[1], suffix);
    if (!raw) return { key };
    // The same entry is read again and again until it expires: parsed once while its text is unchanged.
    const parsed = this.parsed.get(key);
    if (parsed?.raw === raw) return { key, entry: parsed.entry };
    const entry = JSON.parse(raw) as CachedResponse;
    if (raw.length <= PARSED_MAX_CHARS) {
      if (parsed) this.parsed.delete(key);
      this.parsedChars += raw.length - (parsed?.raw.length ?? 0);
      this.parsed.set(key, { raw, entry });
      for (const [oldKey, old] of this.parsed) {
        if (this.parsedChars <= PARSED_MAX_CHARS) break;
        this.parsed.delete(oldKey);
        this.parsedChars -= old.raw.length;
      }
    }
    return { key, entry };
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
      this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, `${key}:lock`, token),
    );
  }
}
