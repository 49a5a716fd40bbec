import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';
/** Removes every identity header the client sent; returns the names it removed, for logging. */
export declare function stripClientIdentity(headers: IncomingHttpHeaders): string[];
/** The verified identity (or the anonymous caller of a public route) with the gateway's proof. */
export declare function identityHeadersFor(req: Request, secret: string): Record<string, string>;
