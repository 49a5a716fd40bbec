import { AppError } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import { TokenError, verifyAccessToken, type TokenVerifierOptions, type VerifiedClaims } from '../auth/token-verifier';

declare module 'express-serve-static-core' {
  interface Request {
    user?: VerifiedClaims;
  }
}

/**
 * The global token check: every path but the public ones needs a valid bearer token,
 * and a refused request never reaches a service.
 */
export function authenticate(isPublic: (path: string) => boolean, options: TokenVerifierOptions) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (req.method === 'OPTIONS' || isPublic(req.path)) return next();
    const header = req.headers.authorization;
    if (!header) throw AppError.unauthorized('Missing bearer token', 'missing_token');
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match) throw AppError.unauthorized('Authorization must use the Bearer scheme', 'invalid_token');
    try {
      req.user = await verifyAccessToken(match[1]!, options);
    } catch (err) {
      if (err instanceof TokenError) throw AppError.unauthorized(err.message, err.code);
      throw err;
    }
    next();
  };
}
