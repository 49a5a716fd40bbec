import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, errorResponseText, requestIdFrom } from '@app/common';
import type { Request } from 'express';
import { createContext, type RequestContext } from '../request-context';
import type { Route, RouteTable } from '../routes/route-table';
import { canonicalTarget } from '../routes/request-target';

/** Methods the gateway forwards to a service; the service answers 405 for its own paths. */
const FORWARDED = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const FORWARDED_SET = new Set(FORWARDED.split(', '));
/** The gateway's own paths only read; OPTIONS is answered by CORS. */
const OWN = 'GET, HEAD, OPTIONS';
const OWN_SET = new Set(OWN.split(', '));
const OWN_PATHS = new Set(['/health', '/ready', '/metrics', '/openapi.json', '/docs']);

/** The gateway's own paths (health, metrics, the merged documents), which no service's route can take. */
export function isOwnPath(path: string): boolean {
  return OWN_PATHS.has(path) || path.startsWith('/docs/');
}

const FORWARDED_METHODS = { allow: FORWARDED, methods: FORWARDED_SET };
const OWN_METHODS = { allow: OWN, methods: OWN_SET };

/** The methods a known path has, as an `Allow` value; undefined for a path nobody serves. */
export function allowFor(path: string, route: Route | undefined): { allow: string; methods: ReadonlySet<string> } | undefined {
  if (route) return FORWARDED_METHODS;
  if (isOwnPath(path)) return OWN_METHODS;
  return undefined;
}

function methodNotAllowed(method: string, allow: string): AppError {
  return AppError.methodNotAllowed(allow, `${method} is not allowed here; allowed: ${allow}`);
}

/**
 * The first thing every request meets: its target made canonical (or refused with 400 before
 * any token is read), its route found and its context made (`contextOf`), and methods the path
 * does not have refused with 405 and `Allow`. `req.url` and `req.originalUrl` are replaced by the
 * canonical target, so the proxy and everything after it can only ever see that value. Throws
 * the refusal.
 */
export function edgeGuard(routes: RouteTable) {
  return (req: Request): RequestContext => {
    const checked = canonicalTarget(req.url);
    if (!checked.ok) throw new AppError(checked.status === 414 ? 'uri_too_long' : 'invalid_request_target', checked.reason);
    req.url = checked.value.target;
    req.originalUrl = checked.value.target;
    const route = routes.match(checked.value.path);
    const context = createContext(req, req.id, checked.value, route);
    const known = allowFor(checked.value.path, route);
    if (known && !known.methods.has(req.method)) throw methodNotAllowed(req.method, known.allow);
    if (!known && !FORWARDED_SET.has(req.method)) throw AppError.notFound(`No route for ${req.method} ${checked.value.path}`);
    return context;
  };
}

/**
 * CONNECT never reaches express (Node hands the socket over), so it is answered here: the
 * gateway is not a tunnel. A non-origin target is 400, a known path 405, anything else 404.
 */
export function refuseConnect(routes: RouteTable) {
  return (req: IncomingMessage, socket: Duplex) => {
    const requestId = requestIdFrom(req.headers['x-request-id']) || randomUUID();
    const checked = canonicalTarget(req.url ?? '');
    const known = checked.ok ? allowFor(checked.value.path, routes.match(checked.value.path)) : undefined;
    const refusal = !checked.ok
      ? new AppError('invalid_request_target', checked.reason)
      : known
        ? AppError.methodNotAllowed(known.allow, `CONNECT is not allowed here; allowed: ${known.allow}`)
        : AppError.notFound(`No route for CONNECT ${checked.value.path}`);
    socket.end(errorResponseText(refusal, requestId));
  };
}
