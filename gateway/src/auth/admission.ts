import { revokedJtiKey, revokedUserKey, type Logger, type RedisClient } from '@app/common';
import { ScriptBatch } from '../redis/script-batch';
import type { RevocationList } from './revocation-list';

export interface AdmissionOptions {
  redis: RedisClient;
  revocations: RevocationList;
  logger: Logger;
  perUserPerMinute: number;
  perAddressPerMinute: number;
  keyPrefix: string;
  timeoutMs: number;
}

export type Verdict =
  | { admitted: true; limit: number; remaining: number; resetMs: number }
  | { admitted: false; reason: 'revoked' }
  | { admitted: false; reason: 'limited'; limit: number; resetMs: number };

const WINDOW_MS = 60_000;

// One round trip decides both: is the token revoked (by its jti, or all of its user's tokens
// issued up to a time), and is the caller within its fixed one-minute window. A revoked
// request is not counted. Every key is passed in KEYS, and a user's three keys share the user id
// as hash tag: on a Redis Cluster they live in one slot, as a script's keys must.
const ADMIT = `
if #KEYS == 3 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {1, 0, 0} end
  local before = redis.call('GET', KEYS[3])
  if before and tonumber(ARGV[2]) <= tonumber(before) then return {1, 0, 0} end
end
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {0, n, ttl}
`;

type AdmitCommand = (numKeys: number, ...args: Array<string | number>) => Promise<[number, number, number]>;

/**
 * Revocation and rate limit for one request, decided together in one Redis command (the
 * shared record every gateway reads, so a logout through one gateway holds on all of them at
 * once and the limit is exact across gateways). Revocations heard as events are checked in
 * memory first. With Redis away or slower than `timeoutMs`, each gateway decides from memory:
 * evented revocations still hold, and each counts the limit alone, so N gateways let through at
 * most N times the limit until Redis is back.
 */
export class Admission {
  private readonly admit: AdmitCommand;
  private readonly local = new Map<string, { count: number; resetAt: number }>();
  private lastSweep = 0;
  private readonly userKeys = new WeakMap<object, readonly [string, string, string]>();

  constructor(private readonly options: AdmissionOptions) {
    // Two commands with a fixed number of keys, not one taking the count as its first argument: a
    // Cluster client routes (and auto-pipelines) a script call by its first key.
    if (!('gatewayAdmitUser' in options.redis)) {
      options.redis.defineCommand('gatewayAdmitUser', { numberOfKeys: 3, lua: ADMIT });
      options.redis.defineCommand('gatewayAdmitAddress', { numberOfKeys: 1, lua: ADMIT });
    }
    const timeout = { ms: options.timeoutMs, what: 'admission' };
    const users = new ScriptBatch<[number, number, number]>(options.redis, 'gatewayAdmitUser', timeout);
    const addresses = new ScriptBatch<[number, number, number]>(options.redis, 'gatewayAdmitAddress', timeout);
    this.admit = (numKeys, ...args) => (numKeys === 3 ? users : addresses).call(...args);
  }

  async user(claims: { sub: string; jti: string; iat: number }): Promise<Verdict> {
    if (this.options.revocations.isRevoked(claims)) return { admitted: false, reason: 'revoked' };
    // The token cache hands out one claims object per token, so its keys are built once per token.
    let keys = this.userKeys.get(claims);
    if (!keys) {
      keys = [`${this.options.keyPrefix}:user:{${claims.sub}}`, revokedJtiKey(claims.sub, claims.jti), revokedUserKey(claims.sub)];
      this.userKeys.set(claims, keys);
    }
    const [key, jtiKey, userKey] = keys;
    return this.decide(this.options.perUserPerMinute, key, () => this.admit(3, key, jtiKey, userKey, WINDOW_MS, claims.iat));
  }

  async address(ip: string): Promise<Verdict> {
    const key = `${this.options.keyPrefix}:ip:${ip}`;
    return this.decide(this.options.perAddressPerMinute, key, () => this.admit(1, key, WINDOW_MS, 0));
  }

  private async decide(limit: number, key: string, ask: () => Promise<[number, number, number]>): Promise<Verdict> {
    if (this.options.redis.status === 'ready') {
      try {
        const [revoked, count, ttl] = await ask();
        if (revoked === 1) return { admitted: false, reason: 'revoked' };
        return this.verdict(limit, count, ttl);
      } catch (err) {
        this.options.logger.warn({ err: String(err) }, 'admission from memory: redis did not answer');
      }
    }
    return this.fromMemory(limit, key);
  }

  private verdict(limit: number, count: number, resetMs: number): Verdict {
    if (count > limit) return { admitted: false, reason: 'limited', limit, resetMs };
    return { admitted: true, limit, remaining: limit - count, resetMs };
  }

  private fromMemory(limit: number, key: string): Verdict {
    const now = Date.now();
    if (now - this.lastSweep > WINDOW_MS) {
      for (const [k, w] of this.local) if (w.resetAt <= now) this.local.delete(k);
      this.lastSweep = now;
    }
    let window = this.local.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + WINDOW_MS };
      this.local.set(key, window);
    }
    window.count += 1;
    return this.verdict(limit, window.count, window.resetAt - now);
  }
}
