import type { NextFunction, Request, Response } from 'express';
import { type TokenVerifierOptions, type VerifiedClaims } from '../auth/token-verifier';
declare module 'express-serve-static-core' {
    interface Request {
        user?: VerifiedClaims;
    }
}
/**
 * The global token check: every path but the public ones needs a valid bearer token,
 * and a refused request never reaches a service.
 */
export declare function authenticate(isPublic: (path: string) => boolean, options: TokenVerifierOptions): (req: Request, _res: Response, next: NextFunction) => Promise<void>;
