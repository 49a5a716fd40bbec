import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, withTimeout, type Logger } from '@app/common';

export interface LoginThrottleOptions {
  keyPrefix: string;
  maxConsecutiveFailures: number;
  blockSeconds: number;
  maxFailuresPerIpPerDay: number;
}

interface Rule {
  limiter: RateLimiterAbstract;
  max: number;
  blockSeconds: number;
}

const DAY = 24 * 3600;
// A Redis that accepts connections but stalls must not stall logins with it.
const STORE_TIMEOUT_MS = 1000;

/**
 * Counts failed logins per username+address (reset by a success) and per address (per day),
 * in Redis so every instance sees the same counts. When Redis is away each instance
 * falls back to counting in its own memory, so login keeps working with looser limits.
 */
export class LoginThrottle {
  private readonly byUserAndIp: Rule;
  private readonly byIp: Rule;
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    options: LoginThrottleOptions,
  ) {
    const make = (keyPrefix: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
      });
    this.byUserAndIp = {
      // Failures count for a day unless a success resets them; reaching the limit blocks for blockSeconds.
      limiter: make(`${options.keyPrefix}:user-ip`, options.maxConsecutiveFailures, DAY),
      max: options.maxConsecutiveFailures,
      blockSeconds: options.blockSeconds,
    };
    this.byIp = {
      limiter: make(`${options.keyPrefix}:ip`, options.maxFailuresPerIpPerDay, DAY),
      max: options.maxFailuresPerIpPerDay,
      blockSeconds: DAY,
    };
  }

  /** Refuses (429 with Retry-After) an attempt from a blocked username+address or address. */
  async assertAllowed(username: string, ip: string): Promise<void> {
    this.warnIfDegraded();
    const checks = await Promise.all([
      this.blockedFor(this.byUserAndIp, userIpKey(username, ip)),
      this.blockedFor(this.byIp, ip),
    ]);
    const seconds = Math.max(...checks);
    if (seconds > 0) throw AppError.tooManyRequests(seconds, 'Too many failed login attempts; try again later');
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await Promise.all([this.count(this.byUserAndIp, userIpKey(username, ip)), this.count(this.byIp, ip)]);
  }

  async recordSuccess(username: string, ip: string): Promise<void> {
    await this.safely(() => this.byUserAndIp.limiter.delete(userIpKey(username, ip)), undefined);
  }

  private async blockedFor(rule: Rule, key: string): Promise<number> {
    const res = await this.safely(() => rule.limiter.get(key), null);
    return res && res.consumedPoints >= rule.max ? res.msBeforeNext / 1000 : 0;
  }

  private async count(rule: Rule, key: string): Promise<void> {
    // penalty() adds a point without rejecting, so the threshold and the block length stay ours to decide.
    const res = await this.safely(() => rule.limiter.penalty(key, 1), null);
    if (res && res.consumedPoints >= rule.max) {
      await this.safely(() => rule.limiter.block(key, rule.blockSeconds), undefined);
    }
  }

  private async safely<T>(run: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await withTimeout(run(), STORE_TIMEOUT_MS, 'login throttle');
    } catch (err) {
      if (err instanceof RateLimiterRes) return fallback;
      // Even the in-memory insurance failed: let the attempt through rather than lock everyone out.
      this.logger.warn({ err: String(err) }, 'login throttle unavailable; attempt not counted');
      return fallback;
    }
  }

  private warnIfDegraded() {
    if (this.redis.status === 'ready') return;
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.logger.warn({ redis: this.redis.status }, 'redis unavailable; login attempts are counted per instance in memory');
  }
}

function userIpKey(username: string, ip: string): string {
  return `${username}|${ip}`;
}
