import { AppError, type Metrics } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import type { Admission, Verdict } from '../auth/admission';
import { TokenError, type VerifiedTokenCache } from '../auth/token-verifier';
import { contextOf, type RequestContext } from '../request-context';

export interface AuthenticateOptions {
  tokens: VerifiedTokenCache;
  admission: Admission;
  metrics: Metrics;
  /** Called as soon as the token checked out, before admission is awaited: work that may run alongside it (the cache lookup). */
  alongsideAdmission: (req: Request, context: RequestContext) => void;
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * The global token check and the rate limit: every path but the public routes needs a valid
 * bearer token, and a refused request never reaches a service. The verified claims go on the
 * request's context; `alongsideAdmission` then starts what needs only the user (the cache
 * starts its lookup there), so that it runs in the same moment as admission (revocation and
 * rate limit) and a HIT costs one round trip to each Redis.
 */
export function authenticate(options: AuthenticateOptions) {
  const { tokens, admission, alongsideAdmission } = options;
  const limited = options.metrics.counter('gateway_rate_limited_total', 'Requests refused by the rate limit, by route and whose limit', [
    'route',
    'scope',
  ] as const);
  return async (req: Request, res: Response, next: NextFunction) => {
    const context = contextOf(req);
    const route = context.route;
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
      // A refused request goes no further than the error handler, whatever its context holds.
      context.user = claims;
      alongsideAdmission(req, context);
      verdict = await admission.user(claims);
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
