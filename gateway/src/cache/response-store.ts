import { hash, randomUUID } from 'node:crypto';
import { confirmWrites, withTimeout, type RedisClient } from '@app/common';
import { ScriptBatch } from '../redis/script-batch';

export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: string; // base64
  etag: string;
  storedAt: number;
}

const PREFIX = 'gwcache:v3';
// A user id goes into the key hashed, so key names never carry raw identifiers. It is the keys' hash
// tag: a user's generations, entries and locks live in one slot of a Redis Cluster, so the scripts
// and transactions below, which touch several of them, run there.
const userPart = (userId: string) => `{${hash('sha256', userId, 'base64url').slice(0, 22)}}`;
const generationKey = (userId: string, group: string) => `${PREFIX}:${userPart(userId)}:gen:${group}`;

// An entry is stored as `<generation>\n<JSON>`: the generation of the user's group it was filled
// under. It answers only while that is still the group's generation.

// The generation and the entry, if filled under it, in one round trip. Both keys are declared in
// KEYS (a Cluster routes a script by them); the entry's key does not depend on the generation.
const LOOKUP = `
local generation = redis.call('GET', KEYS[1]) or '0'
local raw = redis.call('GET', KEYS[2])
if raw and string.sub(raw, 1, #generation + 1) == generation .. '\\n' then return {generation, raw} end
return {generation, false}
`;

// Stores an entry only if its generation is still current: a fill that an invalidation overtook
// neither answers nor pushes out an entry filled after the invalidation.
const WRITE = `
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1
`;

type LookupCommand = (generationKey: string, entryKey: string) => Promise<[string, string | null]>;
type WriteCommand = (generationKey: string, entryKey: string, generation: string, value: string, ttlSeconds: number) => Promise<number>;

const KEY_MEMO_SIZE = 10_000;
const PARSED_MAX_CHARS = 8 * 1024 * 1024;

/** Keeps a computed value; a full memo starts over, which bounds it without bookkeeping per hit. */
function remember<K, V>(memo: Map<K, V>, key: K, value: V, size: number) {
  if (memo.size >= size) memo.clear();
  memo.set(key, value);
}

export interface Lookup {
  /** The entry's key and the generation the lookup saw, `<key>#<generation>`: what `read`, `write` and `lock` take. */
  key: string;
  entry?: CachedResponse;
}

/** Splits a lookup's key into the entry's Redis key, its user group's generation key and the generation. */
function slotOf(key: string): { entryKey: string; generationKey: string; generation: string } {
  const at = key.lastIndexOf('#');
  const entryKey = key.slice(0, at);
  // `<prefix>:{user}:e:<group>:<request hash>` beside `<prefix>:{user}:gen:<group>`; the hashes hold no `}` or `:`.
  const group = entryKey.slice(0, entryKey.lastIndexOf(':'));
  return { entryKey, generationKey: group.replace('}:e:', '}:gen:'), generation: key.slice(at + 1) };
}

/**
 * The per-user cache in Redis. Each user has a generation per cache group (the services
 * behind one upstream), stamped on every entry: invalidation costs one INCR however many
 * entries the user has, older entries are never answered again and are overwritten or expire
 * by their TTL, and a HIT is one command.
 */
export class ResponseStore {
  private readonly lookupCommand: LookupCommand;
  private readonly writeCommand: WriteCommand;
  // Key parts are hashes of the user id and of the request; both repeat from request to request.
  private readonly userKeys = new Map<string, readonly [string, string]>();
  private readonly suffixes = new Map<string, string>();
  /** Entries parsed from their stored text, oldest first, at most PARSED_MAX_CHARS of text in all. */
  private readonly parsed = new Map<string, { raw: string; entry: CachedResponse }>();
  private parsedChars = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly timeoutMs: number,
  ) {
    if (!('gatewayCacheLookup' in redis)) {
      redis.defineCommand('gatewayCacheLookup', { numberOfKeys: 2, lua: LOOKUP });
      redis.defineCommand('gatewayCacheWrite', { numberOfKeys: 2, lua: WRITE });
    }
    const batch = new ScriptBatch<[string, string | null]>(redis, 'gatewayCacheLookup', { ms: timeoutMs, what: 'cache' });
    this.lookupCommand = (generation, entry) => batch.call(generation, entry);
    const write = (redis as unknown as { gatewayCacheWrite: WriteCommand }).gatewayCacheWrite.bind(redis);
    this.writeCommand = write;
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
      userKeys = [generationKey(userId, group), `${PREFIX}:${userPart(userId)}:e:${group}`];
      remember(this.userKeys, `${userId} ${group}`, userKeys, KEY_MEMO_SIZE);
    }
    const request = `${method} ${url}`;
    let suffix = this.suffixes.get(request);
    if (!suffix) {
      suffix = `:${hash('sha256', request, 'base64url')}`;
      remember(this.suffixes, request, suffix, KEY_MEMO_SIZE);
    }
    const entryKey = userKeys[1] + suffix;
    const [generation, stored] = await this.lookupCommand(userKeys[0], entryKey);
    const key = `${entryKey}#${generation}`;
    if (!stored) return { key };
    const raw = stored.slice(generation.length + 1);
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

  /** The entry at a lookup's key, if one was filled under the generation that lookup saw. */
  async read(key: string): Promise<CachedResponse | undefined> {
    const { entryKey, generation } = slotOf(key);
    const stored = await this.bounded(this.redis.get(entryKey));
    return stored?.startsWith(`${generation}\n`) ? (JSON.parse(stored.slice(generation.length + 1)) as CachedResponse) : undefined;
  }

  /** Stores an entry at a lookup's key, unless the user's group was invalidated since that lookup. */
  async write(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void> {
    const { entryKey, generationKey: genKey, generation } = slotOf(key);
    await this.bounded(this.writeCommand(genKey, entryKey, generation, `${generation}\n${JSON.stringify(entry)}`, ttlSeconds));
  }

  /** Makes every kept answer of the user in these groups stale. */
  async invalidateUser(userId: string, groups: readonly string[]): Promise<void> {
    if (groups.length === 0) return;
    const multi = this.redis.multi();
    // The generation outlives every entry written under it, so it never falls back to a used value.
    for (const group of groups) multi.incr(generationKey(userId, group)).expire(generationKey(userId, group), 7 * 24 * 3600);
    await this.bounded(multi.exec());
    // Through Sentinel, done only once a replica holds it: an invalidation a failover loses fails
    // here, and its event is delivered again.
    await confirmWrites(this.redis, Math.max(this.timeoutMs, 500));
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
