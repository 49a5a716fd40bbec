import { createHash } from 'node:crypto';
import type { Logger, Metrics } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import { UpstreamError, type BufferedResponse, type UpstreamClient } from '../proxy/upstream-client';
import { contextOf, type RequestContext } from '../request-context';
import type { CacheRule, Route, RouteTable } from '../routes/route-table';
import { cacheKeyUrl } from './cache-key';
import type { CachedResponse, ResponseStore } from './response-store';

// Never kept: credentials, cookies, hop-by-hop headers and what the gateway sets itself.
const STORED_HEADERS = new Set(['content-type', 'content-language', 'etag', 'last-modified', 'vary', 'link', 'location']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UNAVAILABLE = new Error('cache unavailable');
// An answer larger than an entry may be is still read whole, to be passed on uncached; past this it is a 502.
const MAX_FILL_BYTES = 16 * 1024 * 1024;

export interface CacheOptions {
  routes: RouteTable;
  store: ResponseStore;
  /** Fills the cache: the same client, agents, identity proof and retry policy as the proxy. */
  upstream: UpstreamClient;
  maxEntryBytes: number;
  lockWaitMs: number;
  logger: Logger;
  metrics: Metrics;
}

type Outcome = { entry: CachedResponse; stored: boolean } | { passthrough: BufferedResponse };

export interface ResponseCache {
  /**
   * Starts the cache lookup of a cacheable request once its user is verified (authentication calls
   * it before awaiting admission), so that it runs in the same moment as admission: a HIT then
   * waits for one round trip, not two.
   */
  readonly prefetch: (req: Request, context: RequestContext) => void;
  /** The middleware: answers from the cache (HIT), fills it (MISS), or passes the request on. */
  readonly handle: (req: Request, res: Response, next: NextFunction) => Promise<void>;
}

/**
 * The per-user response cache in front of the services. The key is built from the verified
 * user id and the canonical target, never from anything else the client sent. Concurrent
 * misses on one key share one upstream call: in this process through a shared promise,
 * across gateways through a lock.
 */
export function responseCache(options: CacheOptions): ResponseCache {
  const { routes, store, logger } = options;
  const counter = options.metrics.counter('gateway_cache_requests_total', 'Cacheable requests by outcome and cache rule', [
    'result',
    'route',
  ] as const);
  // One child per rule and outcome, looked up by the rule instead of prom-client hashing labels per request.
  const children = new Map<CacheRule, Record<'hit' | 'miss' | 'bypass', { inc(): void }>>();
  const countFor = (rule: CacheRule) => {
    let found = children.get(rule);
    if (!found) {
      found = {
        hit: counter.labels('hit', rule.metricsRoute),
        miss: counter.labels('miss', rule.metricsRoute),
        bypass: counter.labels('bypass', rule.metricsRoute),
      };
      children.set(rule, found);
    }
    return found;
  };
  const upstreamCalls = options.metrics.counter('gateway_cache_upstream_calls_total', 'Upstream calls made to fill the cache');
  const inflight = new Map<string, Promise<Outcome>>();

  const fill = async (key: string, req: Request, route: Route, rule: CacheRule): Promise<Outcome> => {
    const lockTtl = route.timeoutMs + 1000;
    let token = await store.lock(key, lockTtl).catch(() => undefined);
    if (!token) {
      // Another gateway is filling this key: wait for its entry rather than calling the service too.
      const deadline = Date.now() + options.lockWaitMs;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        const entry = await store.read(key).catch(() => undefined);
        if (entry) return { entry, stored: true };
      }
      token = undefined;
    }
    try {
      if (token) {
        // The lookup that missed may predate a fill that has finished since, in this process or
        // another gateway (a busy event loop or Redis widens that gap): checked again under the lock.
        const entry = await store.read(key).catch(() => undefined);
        if (entry) return { entry, stored: true };
      }
      upstreamCalls.inc();
      const response = await options.upstream.fetchWhole(route, req, pickForwardHeaders(req), MAX_FILL_BYTES);
      const cacheControl = response.headers['cache-control'] ?? '';
      if (response.status !== 200 || /no-store|private=|no-cache/i.test(cacheControl) || response.body.length > options.maxEntryBytes) {
        return { passthrough: response };
      }
      const entry = toEntry(response);
      await store.write(key, entry, rule.ttlSeconds).catch((err) => logger.warn({ err: String(err) }, 'cache write failed'));
      return { entry, stored: true };
    } finally {
      if (token) await store.unlock(key, token).catch(() => undefined);
    }
  };

  const prefetch = (req: Request, context: RequestContext) => {
    const { route, user } = context;
    const rule = route && routes.cacheRule(route, req.method, context.target.path);
    if (!rule || !user) return;
    // Never rejects: a failure is the Error it resolves to, which means BYPASS.
    const lookup = store.available
      ? store.lookup(user.sub, route.upstream.group, req.method, cacheKeyUrl(context.target)).catch((err: Error) => err)
      : Promise.resolve(UNAVAILABLE);
    context.cache = { rule, lookup };
  };

  const handle = async (req: Request, res: Response, next: NextFunction) => {
    const context = contextOf(req);
    const { user, route } = context;
    if (!user || !route) return next();
    if (!SAFE_METHODS.has(req.method)) {
      // A write makes the user's cached answers from that service stale. Invalidated before the
      // write is forwarded, so that no read after its answer, through any gateway, can be served
      // an entry older than it; and again after a successful write, for an entry that a read
      // running alongside filled while the write was in flight.
      const groups = [route.upstream.group];
      const failed = (err: unknown) => logger.warn({ err: String(err) }, 'cache invalidation failed');
      if (store.available) await store.invalidateUser(user.sub, groups).catch(failed);
      res.on('finish', () => {
        if (res.statusCode < 400) store.invalidateUser(user.sub, groups).catch(failed);
      });
      return next();
    }
    if (!context.cache) return next();
    const { rule, lookup } = context.cache;
    res.locals.metricsRoute = rule.metricsRoute;

    const found = await lookup;
    if (found instanceof Error) {
      if (found !== UNAVAILABLE) logger.warn({ err: String(found) }, 'cache unavailable, bypassing');
      countFor(rule).bypass.inc();
      res.setHeader('X-Cache', 'BYPASS');
      res.setHeader('Cache-Control', 'private, no-cache');
      return next();
    }
    if (found.entry) {
      countFor(rule).hit.inc();
      return send(req, res, found.entry, 'HIT', rule);
    }

    const { key } = found;
    let outcome = inflight.get(key);
    if (!outcome) {
      outcome = fill(key, req, route, rule).finally(() => inflight.delete(key));
      inflight.set(key, outcome);
    }
    let result: Outcome;
    try {
      result = await outcome;
    } catch (err) {
      if (err instanceof UpstreamError) return options.upstream.fail(res, req, route, err);
      throw err;
    }
    countFor(rule).miss.inc();
    if ('passthrough' in result) {
      const { status, headers, body } = result.passthrough;
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) res.setHeader(name, value);
      }
      res.setHeader('X-Cache', 'MISS');
      res.status(status).end(body);
      return;
    }
    send(req, res, result.entry, 'MISS', rule);
  };
  return { prefetch, handle };
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'set-cookie',
  'content-length',
]);

function pickForwardHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['accept', 'accept-language', 'accept-encoding', 'user-agent', 'authorization']) {
    const value = req.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  // The stored answer is whole; conditional requests are answered by the gateway from it.
  return out;
}

function toEntry(response: BufferedResponse): CachedResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (STORED_HEADERS.has(name) && typeof value === 'string') headers[name] = value;
  }
  const etag = headers.etag ?? `"${createHash('sha256').update(response.body).digest('base64url').slice(0, 27)}"`;
  return { status: response.status, headers, body: response.body.toString('base64'), etag, storedAt: Date.now() };
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

// An entry the store hands out again and again (it keeps parsed entries) is decoded once.
const decoded = new WeakMap<CachedResponse, { headers: Array<[string, string]>; body: Buffer }>();

function send(req: Request, res: Response, entry: CachedResponse, state: 'HIT' | 'MISS', rule: CacheRule) {
  const age = Math.max(0, Math.floor((Date.now() - entry.storedAt) / 1000));
  let ready = decoded.get(entry);
  if (!ready) {
    ready = { headers: Object.entries(entry.headers), body: Buffer.from(entry.body, 'base64') };
    decoded.set(entry, ready);
  }
  for (const [name, value] of ready.headers) res.setHeader(name, value);
  res.setHeader('ETag', entry.etag);
  res.setHeader('X-Cache', state);
  res.setHeader('Age', String(age));
  res.setHeader('Cache-Control', `private, max-age=${Math.max(0, rule.ttlSeconds - age)}`);
  if (etagMatches(req.headers['if-none-match'], entry.etag)) {
    res.status(304).end();
    return;
  }
  res.status(entry.status).end(ready.body);
}
