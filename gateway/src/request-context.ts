import type { IncomingMessage } from 'node:http';
import type { VerifiedClaims } from './auth/token-verifier';
import type { Lookup } from './cache/response-store';
import type { CanonicalTarget } from './routes/request-target';
import type { CacheRule, Route } from './routes/route-table';

/** A cacheable request's rule and the lookup started for it as soon as its user was known. */
export interface CacheLookup {
  readonly rule: CacheRule;
  /** Never rejects: a failure is the Error it resolves to, which means BYPASS. */
  readonly lookup: Promise<Lookup | Error>;
}

/** The proxy's state of a request it may send again after a reset (proxy/upstream-client.ts). */
export interface UpstreamAttempt {
  /** When it was first sent: the retry bound (GATEWAY_UPSTREAM_RETRY_MS) counts from here. */
  readonly started: number;
  retries: number;
  /** The body, read whole so that it can go out again; undefined for a bodiless request. */
  readonly body: Buffer | undefined;
  readonly again: () => void;
}

/**
 * What the gateway knows of one request, in one object: made once by the edge guard, the first
 * thing a request meets, and read everywhere after it through `contextOf`. Its fields are all
 * there from the start (undefined until known), so every request's context has the same shape.
 */
export interface RequestContext {
  /** The request id, as the request log, every error answer and the identity proof carry it. */
  readonly requestId: string;
  /** The canonical request target: the one value routing, caching, signing and forwarding use. */
  readonly target: CanonicalTarget;
  /** The route table's entry for this path, when a service owns it. */
  readonly route: Route | undefined;
  /** The verified token's claims, once authentication checked them; undefined on a public route. */
  user: VerifiedClaims | undefined;
  /** Set for a cacheable request of a verified user. */
  cache: CacheLookup | undefined;
  /** Set by the proxy when the request may be sent again after its connection was reset. */
  upstream: UpstreamAttempt | undefined;
  /** Set by the proxy when the service did not answer within the route's timeout. */
  timedOut: boolean;
}

// A symbol, not a property name: nothing else on the request can collide with it or read it by accident.
const CONTEXT = Symbol('gateway request context');

type Carrier = IncomingMessage & { [CONTEXT]?: RequestContext };

/** Makes a request's context; the edge guard calls this once per request, before anything reads it. */
export function createContext(req: IncomingMessage, requestId: string, target: CanonicalTarget, route: Route | undefined): RequestContext {
  const context: RequestContext = { requestId, target, route, user: undefined, cache: undefined, upstream: undefined, timedOut: false };
  (req as Carrier)[CONTEXT] = context;
  return context;
}

/** The context the edge guard made for this request. */
export function contextOf(req: IncomingMessage): RequestContext {
  const context = (req as Carrier)[CONTEXT];
  // Every handler runs after the edge guard; reaching here without a context is a wiring mistake.
  if (!context) throw new Error('no gateway request context: the edge guard did not run for this request');
  return context;
}
