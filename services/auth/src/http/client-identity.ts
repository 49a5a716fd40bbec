import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { IDENTITY_HEADERS, requireIdentity, type Logger } from '@app/common';

/**
 * For public routes: verifies the gateway's proof when the request carries a valid one, and
 * otherwise goes on without an identity (the service may be called directly, not through the gateway).
 */
export function identityIfProven(secret: string): RequestHandler {
  const verify = requireIdentity(secret, { allowAnonymous: true });
  return (req: Request, res: Response, next: NextFunction) => {
    verify(req, res, (err?: unknown) => {
      if (err) {
        req.identity = undefined;
        // A proof that is present but wrong usually means a secret mismatch or clock skew with the gateway;
        // every client would then share the gateway's address in the login limits, so say it loudly.
        if (req.headers[IDENTITY_HEADERS.signature]) {
          (req as Request & { log?: Logger }).log?.warn({ reason: String((err as Error).message) }, 'gateway identity proof rejected on a public route');
        }
      }
      next();
    });
  };
}

/**
 * The client's address: the one the gateway vouched for, or the socket's peer when no valid proof
 * came with the request. Unsigned X-Forwarded-For style headers are never trusted.
 */
export function clientAddressOf(req: Request): string {
  const proven = req.identity?.clientIp;
  const address = proven || req.socket.remoteAddress || 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
