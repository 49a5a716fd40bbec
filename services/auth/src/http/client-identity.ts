import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requireIdentity } from '@app/common';

/**
 * For public routes: verifies the gateway's proof when the request carries a valid one, and
 * otherwise goes on without an identity (the service may be called directly, not through the gateway).
 */
export function identityIfProven(secret: string): RequestHandler {
  const verify = requireIdentity(secret, { allowAnonymous: true });
  return (req: Request, res: Response, next: NextFunction) => {
    verify(req, res, (err?: unknown) => {
      if (err) req.identity = undefined;
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
