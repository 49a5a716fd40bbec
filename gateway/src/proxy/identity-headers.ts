import { signIdentity } from '@app/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';
import type { RequestContext } from '../request-context';

/** Headers a client must never be able to set: identity and its proof are the gateway's alone. */
const RESERVED = /^(x-user-|x-identity-|x-client-ip$|x-forwarded-user)/i;

const NONE: readonly string[] = [];

/** Removes every identity header the client sent; returns the names it removed, for logging. */
export function stripClientIdentity(headers: IncomingHttpHeaders): readonly string[] {
  let removed: string[] | undefined;
  for (const name in headers) {
    // Every reserved name starts with "x": one character rules out most headers without the regex.
    const first = name.charCodeAt(0) | 0x20;
    if (first === 0x78 && RESERVED.test(name)) {
      delete headers[name];
      (removed ??= []).push(name);
    }
  }
  return removed ?? NONE;
}

/** The verified identity (or the anonymous caller of a public route) with the gateway's proof. */
export function identityHeadersFor(req: Request, context: RequestContext, secret: string): Record<string, string> {
  return signIdentity(secret, {
    method: req.method,
    path: context.target.target,
    userId: context.user?.sub ?? '',
    userName: context.user?.username ?? '',
    requestId: context.requestId,
    clientIp: req.ip ?? req.socket.remoteAddress ?? '',
  });
}
