import { signIdentity } from '@app/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';

/** Headers a client must never be able to set: identity and its proof are the gateway's alone. */
const RESERVED = /^(x-user-|x-identity-|x-client-ip$|x-forwarded-user)/i;

/** Removes every identity header the client sent; returns the names it removed, for logging. */
export function stripClientIdentity(headers: IncomingHttpHeaders): string[] {
  const removed: string[] = [];
  for (const name of Object.keys(headers)) {
    if (RESERVED.test(name)) {
      delete headers[name];
      removed.push(name);
    }
  }
  return removed;
}

/** The verified identity (or the anonymous caller of a public route) with the gateway's proof. */
export function identityHeadersFor(req: Request, secret: string): Record<string, string> {
  return signIdentity(secret, {
    method: req.method,
    path: req.target.target,
    userId: req.user?.sub ?? '',
    userName: req.user?.username ?? '',
    requestId: req.id,
    clientIp: req.ip ?? req.socket.remoteAddress ?? '',
  });
}
