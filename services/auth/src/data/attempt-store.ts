import type { RedisClient } from '@app/common';
import type { AttemptStore, SlowDownPolicy, TakeResult } from '../domain/ports';

export function waitAfter(attempts: number, policy: SlowDownPolicy): number {
  if (attempts < policy.free) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(40, attempts - policy.free));
}

// One round trip, atomic in Redis: read the wait, take the attempt and set the next wait together.
// The broker's clock (TIME) is the only clock, so instances with skewed clocks agree.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, base, max, idle = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'n', 'u')
local n = tonumber(state[1]) or 0
local u = tonumber(state[2]) or 0
if u > now then return {0, u - now} end
n = n + 1
local wait = 0
if n >= free then wait = math.floor(math.min(max, base * 2 ^ math.min(40, n - free))) end
redis.call('HSET', KEYS[1], 'n', n, 'u', now + wait)
redis.call('PEXPIRE', KEYS[1], math.max(idle, wait))
return {1, 0}
`;

const GIVE_BACK = `
local n = (tonumber(redis.call('HGET', KEYS[1], 'n')) or 0) - 1
if n <= 0 then redis.call('DEL', KEYS[1]) return 0 end
redis.call('HSET', KEYS[1], 'n', n)
if n < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'u', 0) end
return n
`;

/** Attempts counted in Redis: the limits hold across every instance. */
export class RedisAttemptStore implements AttemptStore {
  constructor(private readonly redis: RedisClient) {}

  async take(key: string, policy: SlowDownPolicy): Promise<TakeResult> {
    const [allowed, retryAfterMs] = (await this.redis.eval(TAKE, 1, key, policy.free, policy.baseMs, policy.maxMs, policy.idleMs)) as [
      number,
      number,
    ];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
  }

  async giveBack(key: string, policy: SlowDownPolicy): Promise<void> {
    await this.redis.eval(GIVE_BACK, 1, key, policy.free);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(key);
  }
}

interface MemoryEntry {
  n: number;
  until: number;
  forgetAt: number;
}

/**
 * The same rules in one process's memory, for when Redis is away: limits then hold per instance.
 * Bounded, oldest first out, so a flood of distinct keys cannot grow it without end.
 */
export class MemoryAttemptStore implements AttemptStore {
  private readonly entries = new Map<string, MemoryEntry>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async take(key: string, policy: SlowDownPolicy): Promise<TakeResult> {
    const now = this.clock();
    const entry = this.live(key, now) ?? { n: 0, until: 0, forgetAt: 0 };
    if (entry.until > now) return { allowed: false, retryAfterMs: entry.until - now };
    entry.n += 1;
    const wait = waitAfter(entry.n, policy);
    entry.until = now + wait;
    entry.forgetAt = now + Math.max(policy.idleMs, wait);
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
    return { allowed: true };
  }

  async giveBack(key: string, policy: SlowDownPolicy): Promise<void> {
    const entry = this.live(key, this.clock());
    if (!entry) return;
    entry.n -= 1;
    if (entry.n <= 0) this.entries.delete(key);
    else if (entry.n < policy.free) entry.until = 0;
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  private live(key: string, now: number): MemoryEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.forgetAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
