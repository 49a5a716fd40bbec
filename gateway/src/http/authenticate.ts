import { AppError, type Metrics } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import type { Admission, Verdict } from '../auth/admission';
import { TokenError, type VerifiedClaims, type VerifiedTokenCache } from '../auth/token-verifier';
import { startCacheLookup } from '../cache/cache-middleware';
import type { ResponseStore } from '../cache/response-store';
import type { RouteTable } from '../routes/route-table';

declare module 'express-serve-static-core' {
  interface Request {
    user?: VerifiedClaims;
  }
}

export interface AuthenticateOptions {
  routes: RouteTable;
  tokens: VerifiedTokenCache;
  admission: Admission;
  store: ResponseStore;
  metrics: Metrics;
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * The global token check and the rate limit: every path but the public routes needs a valid
 * bearer token, and a refused request never reaches a service. For a cacheable request the
 * cache lookup starts as soon as the token checks out, alongside admission (revocation and
 * rate limit), so a HIT costs one round trip to each Redis.
 */
export function authenticate(options: AuthenticateOptions) {
  const { routes, tokens, admission, store } = options;
  const limited = options.metrics.counter('gateway_rate_limited_total', 'Requests refused by the rate limit, by route and whose limit', [
    'route',
    'scope',
  ] as const);
  return async (req: Request, res: Response, next: NextFunction) => {
    const route = req.gatewayRoute;
    // Named here so that a refusal (401, 429) is counted under its route too, not as unmatched.
    if (route) res.locals.metricsRoute = `proxy:${route.name}`;
    let verdict: Verdict;
    const scope = req.method === 'OPTIONS' || route?.public ? 'address' : 'user';
    if (scope === 'address') {
      verdict = await admission.address(req.ip ?? 'unknown');
    } else {
      const header = req.headers.authorization;
      if (!header) throw AppError.unauthorized('Missing bearer token', 'missing_token');
      const match = BEARER.exec(header);
      if (!match) throw AppError.unauthorized('Authorization must use the Bearer scheme', 'invalid_token');
      let claims = tokens.known(match[1]!);
      if (!claims) {
        try {
          claims = await tokens.verify(match[1]!);
        } catch (err) {
          if (err instanceof TokenError) throw AppError.unauthorized(err.message, err.code);
          throw err;
        }
      }
      const rule = route && routes.cacheRule(route, req.method, req.target.path);
      if (rule) startCacheLookup(store, req, claims, route, rule);
      verdict = await admission.user(claims);
      req.user = claims;
    }
    if (!verdict.admitted) {
      if (verdict.reason === 'revoked') throw AppError.unauthorized('Token has been revoked', 'token_revoked');
      limited.inc({ route: route ? `proxy:${route.name}` : 'unmatched', scope });
      res.setHeader('RateLimit-Limit', String(verdict.limit));
      res.setHeader('RateLimit-Remaining', '0');
      throw AppError.tooManyRequests(verdict.resetMs / 1000, 'Too many requests; slow down');
    }
    res.setHeader('RateLimit-Limit', String(verdict.limit));
    res.setHeader('RateLimit-Remaining', String(verdict.remaining));
    res.setHeader('RateLimit-Reset', String(Math.ceil(verdict.resetMs / 1000)));
    next();
  };
}
