import { AppError, type Logger } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitOptions {
  redis: Redis;
  logger: Logger;
  perUserPerMinute: number;
  perAddressPerMinute: number;
  keyPrefix: string;
}

/**
 * A fixed-window limit per verified user, and per client address for anonymous calls,
 * shared by every gateway through Redis. With Redis away each gateway counts in memory
 * (the insurance limiter), so the limit loosens by the number of gateways but never vanishes.
 */
export function rateLimit(options: RateLimitOptions) {
  const limiter = (name: string, points: number) =>
    new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${options.keyPrefix}:${name}`,
      points,
      duration: 60,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${options.keyPrefix}:${name}:mem`, points, duration: 60 }),
    });
  const perUser = limiter('user', options.perUserPerMinute);
  const perAddress = limiter('ip', options.perAddressPerMinute);

  return async (req: Request, res: Response, next: NextFunction) => {
    const [limit, key, points] = req.user
      ? [perUser, req.user.sub, options.perUserPerMinute]
      : [perAddress, req.ip ?? 'unknown', options.perAddressPerMinute];
    try {
      const state = await limit.consume(key);
      res.setHeader('RateLimit-Limit', String(points));
      res.setHeader('RateLimit-Remaining', String(state.remainingPoints));
      res.setHeader('RateLimit-Reset', String(Math.ceil(state.msBeforeNext / 1000)));
      next();
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        res.setHeader('RateLimit-Limit', String(points));
        res.setHeader('RateLimit-Remaining', '0');
        throw AppError.tooManyRequests(err.msBeforeNext / 1000, 'Too many requests; slow down');
      }
      options.logger.warn({ err: String(err) }, 'rate limiter unavailable, request let through');
      next();
    }
  };
}
