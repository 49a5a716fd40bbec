import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EventPattern } from '@app/common/event-catalogue';
import { canonicalTarget } from './request-target';

/** Sockets of the keep-alive agent each upstream gets: held requests must leave some for the rest. */
export const UPSTREAM_SOCKETS = 256;
/** At most this many of them may be held (waits, streams), so short requests always find a socket. */
export const MAX_HELD_PER_ROUTE = UPSTREAM_SOCKETS - 32;

/**
 * One route of the gateway, declared once and read by routing, authentication, the body
 * limit, the cache, event-driven invalidation and the merged OpenAPI document alike.
 */
export const routeEntrySchema = z
  .object({
    /** Names the route in logs, metrics and configuration errors. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
    /** The service behind the route, as error messages name it; the route's name when not given. */
    service: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes')
      .optional(),
    /** The path this route owns, and everything below it (`/records` owns `/records/1`). */
    prefix: z.string(),
    /** Where its requests go: an origin only (`http://host:port`); the request's path is appended. */
    upstream: z.string(),
    timeoutMs: z.number().int().min(100).max(600_000),
    bodyLimitBytes: z.number().int().min(0),
    /** A public route needs no token (login, register, refresh, keys). */
    public: z.boolean().default(false),
    cache: z
      .array(
        z
          .object({
            /** A path below the prefix; a `:name` segment matches any one segment. */
            pattern: z.string(),
            ttlSeconds: z.number().int().min(1).max(86_400),
            methods: z
              .array(z.enum(['GET', 'HEAD']))
              .min(1)
              .default(['GET']),
          })
          .strict(),
      )
      .default([]),
    /**
     * Requests the upstream holds open (event streams on these paths, `Prefer: wait`, `Accept:
     * text/event-stream`): at most `max` at once per gateway instance, past it 503 with Retry-After.
     */
    held: z
      .object({
        max: z.number().int().min(1).max(MAX_HELD_PER_ROUTE),
        /** Paths below the prefix whose every request is held; a `:name` segment matches any one segment. */
        patterns: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
    /** Routing keys (`record.*`) whose events make the named user's cached answers of this route stale. */
    invalidatedBy: z.array(z.string().regex(/^[a-z0-9*#]+(\.[a-z0-9*#]+)*$/, 'must be a routing key pattern')).default([]),
  })
  .strict();

export type RouteEntry = z.input<typeof routeEntrySchema>;

export interface CacheRule {
  route: string;
  pattern: string;
  /** The route label of its requests in the request metrics. */
  metricsRoute: string;
  ttlSeconds: number;
  methods: ReadonlySet<string>;
  regex: RegExp;
}

export interface Upstream {
  /** `http://host:port`, the only part of an upstream URL that configuration decides. */
  origin: string;
  /** The first route's name that uses this origin; names its agent, proxy and metrics. */
  name: string;
  /** Short stable id of the origin: the unit of cache invalidation. */
  group: string;
}

export interface Route {
  name: string;
  service: string;
  prefix: string;
  upstream: Upstream;
  timeoutMs: number;
  bodyLimitBytes: number;
  public: boolean;
  cache: CacheRule[];
  invalidatedBy: string[];
  held?: { max: number; paths: RegExp[] };
}

/** Raised at start when the table is wrong; the message names the entry. */
export class RouteTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteTableError';
  }
}

function compilePattern(pattern: string): RegExp {
  const source = stripTrailingSlash(pattern)
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

export function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function owns(prefix: string, path: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 0x2f);
}

function routingKeyMatcher(pattern: string): RegExp {
  const source = pattern
    .split('.')
    .map((word) => (word === '*' ? '[^.]+' : word === '#' ? '.*' : word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('\\.');
  return new RegExp(`^${source}$`);
}

/**
 * The validated route table. Lookups go by the longest matching prefix, so a public
 * `/auth/login` can sit inside a private `/auth`.
 */
export class RouteTable {
  readonly routes: readonly Route[];
  readonly upstreams: readonly Upstream[];
  private readonly byLength: Route[];
  private readonly invalidation: Array<{ matcher: RegExp; groups: Set<string> }>;

  constructor(entries: unknown) {
    if (!Array.isArray(entries) || entries.length === 0) throw new RouteTableError('The route table must be a non-empty array of routes');
    const upstreams = new Map<string, Upstream>();
    const names = new Set<string>();
    const prefixes = new Map<string, string>();
    this.routes = entries.map((raw, index) => {
      const label = `route ${index}${typeof (raw as { name?: unknown } | null | undefined)?.name === 'string' ? ` "${(raw as { name: string }).name}"` : ''}`;
      const parsed = routeEntrySchema.safeParse(raw);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`);
        throw new RouteTableError(`${label} is invalid: ${problems.join('; ')}`);
      }
      const entry = parsed.data;
      const fail = (message: string) => new RouteTableError(`${label} is invalid: ${message}`);
      if (names.has(entry.name)) throw fail('another route has the same name');
      names.add(entry.name);

      const prefix = canonicalTarget(entry.prefix);
      if (!prefix.ok || prefix.value.query || prefix.value.path !== entry.prefix || entry.prefix === '/' || entry.prefix.endsWith('/')) {
        throw fail('prefix must be a canonical path such as /records (no query, no trailing slash, not /)');
      }
      const other = prefixes.get(entry.prefix);
      if (other) throw fail(`prefix ${entry.prefix} is already the prefix of route "${other}"`);
      prefixes.set(entry.prefix, entry.name);

      let url: URL;
      try {
        url = new URL(entry.upstream);
      } catch {
        throw fail(`upstream "${entry.upstream}" is not a URL`);
      }
      if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
        throw fail(`upstream "${entry.upstream}" must be an http(s) origin only, such as http://127.0.0.1:8002`);
      }
      const origin = url.origin;
      let upstream = upstreams.get(origin);
      if (!upstream) {
        upstream = { origin, name: entry.name, group: createHash('sha256').update(origin).digest('base64url').slice(0, 8) };
        upstreams.set(origin, upstream);
      }

      const cache = entry.cache.map((rule) => {
        const canonical = canonicalTarget(rule.pattern);
        if (!canonical.ok || canonical.value.query || !owns(entry.prefix, stripTrailingSlash(rule.pattern))) {
          throw fail(`cache pattern ${rule.pattern} must be a path at or below ${entry.prefix}`);
        }
        return {
          route: entry.name,
          pattern: rule.pattern,
          metricsRoute: `cache:${rule.pattern}`,
          ttlSeconds: rule.ttlSeconds,
          methods: new Set(rule.methods),
          regex: compilePattern(rule.pattern),
        };
      });
      const heldPaths = (entry.held?.patterns ?? []).map((pattern) => {
        const canonical = canonicalTarget(pattern);
        if (!canonical.ok || canonical.value.query || !owns(entry.prefix, stripTrailingSlash(pattern))) {
          throw fail(`held pattern ${pattern} must be a path at or below ${entry.prefix}`);
        }
        return compilePattern(pattern);
      });
      return {
        name: entry.name,
        service: entry.service ?? entry.name,
        prefix: entry.prefix,
        upstream,
        timeoutMs: entry.timeoutMs,
        bodyLimitBytes: entry.bodyLimitBytes,
        public: entry.public,
        cache,
        invalidatedBy: entry.invalidatedBy,
        ...(entry.held ? { held: { max: entry.held.max, paths: heldPaths } } : {}),
      };
    });
    this.upstreams = [...upstreams.values()];
    this.byLength = [...this.routes].sort((a, b) => b.prefix.length - a.prefix.length);
    const patterns = new Map<string, Set<string>>();
    for (const route of this.routes) {
      for (const key of route.invalidatedBy) {
        const groups = patterns.get(key) ?? new Set<string>();
        groups.add(route.upstream.group);
        patterns.set(key, groups);
      }
    }
    this.invalidation = [...patterns].map(([pattern, groups]) => ({ matcher: routingKeyMatcher(pattern), groups }));
  }

  /** The route owning a canonical path, by longest prefix. */
  match(path: string): Route | undefined {
    for (const route of this.byLength) if (owns(route.prefix, path)) return route;
    return undefined;
  }

  /** The cache rule for a method and path of a route, if it is cacheable. */
  cacheRule(route: Route, method: string, path: string): CacheRule | undefined {
    for (const rule of route.cache) if (rule.methods.has(method) && rule.regex.test(path)) return rule;
    return undefined;
  }

  /** Every routing key pattern some route is invalidated by: what the gateway subscribes to. */
  invalidationKeys(): string[] {
    return [...new Set(this.routes.flatMap((r) => r.invalidatedBy))];
  }

  /** The cache groups an event with this routing key makes stale. */
  groupsInvalidatedBy(routingKey: string): string[] {
    const groups = new Set<string>();
    for (const { matcher, groups: g } of this.invalidation) if (matcher.test(routingKey)) for (const group of g) groups.add(group);
    return [...groups];
  }
}

export interface DefaultRouteSettings {
  AUTH_URL: string;
  RECORDS_URL: string;
  QA_URL: string;
  UPSTREAM_TIMEOUT_MS: number;
  QA_UPSTREAM_TIMEOUT_MS: number;
  BODY_LIMIT_BYTES: number;
  QA_BODY_LIMIT_BYTES: number;
  QA_MAX_HELD_UPSTREAM_REQUESTS: number;
}

/** Today's routes, from the per-service URLs and limits: what runs when `GATEWAY_ROUTES` is not set. */
export function defaultRoutes(s: DefaultRouteSettings): RouteEntry[] {
  const origin = (url: string) => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  };
  const auth = { service: 'auth', upstream: origin(s.AUTH_URL), timeoutMs: s.UPSTREAM_TIMEOUT_MS, bodyLimitBytes: s.BODY_LIMIT_BYTES };
  const records = { service: 'records', upstream: origin(s.RECORDS_URL), timeoutMs: s.UPSTREAM_TIMEOUT_MS, bodyLimitBytes: s.BODY_LIMIT_BYTES };
  const ownedByUser: EventPattern[] = ['record.*', 'user.deleted'];
  return [
    { name: 'auth-login', prefix: '/auth/login', public: true, ...auth },
    { name: 'auth-register', prefix: '/auth/register', public: true, ...auth },
    { name: 'auth-refresh', prefix: '/auth/refresh', public: true, ...auth },
    { name: 'auth-keys', prefix: '/auth/.well-known', public: true, ...auth },
    // OAuth 2.0: the token endpoint, revocation (a refresh token outlives its access token, so no bearer
    // token can be asked for) and introspection (the auth service authenticates the resource server), and
    // the metadata, which RFC 8414 places at the root of the issuer.
    { name: 'oauth-token', prefix: '/auth/token', public: true, ...auth },
    { name: 'oauth-revoke', prefix: '/auth/revoke', public: true, ...auth },
    { name: 'oauth-introspect', prefix: '/auth/introspect', public: true, ...auth },
    { name: 'oauth-metadata', prefix: '/.well-known/oauth-authorization-server', public: true, ...auth },
    // The profile changes only when the account goes; a cached /auth/me costs what any HIT costs.
    { name: 'auth', prefix: '/auth', ...auth, cache: [{ pattern: '/auth/me', ttlSeconds: 60 }], invalidatedBy: ['user.*'] satisfies EventPattern[] },
    {
      name: 'records',
      prefix: '/records',
      ...records,
      cache: [
        { pattern: '/records', ttlSeconds: 60 },
        { pattern: '/records/:id', ttlSeconds: 60 },
      ],
      invalidatedBy: ownedByUser,
    },
    // As the seed: the caching demo keeps its answer for two minutes.
    { name: 'cached-data', prefix: '/cached-data', ...records, cache: [{ pattern: '/cached-data', ttlSeconds: 120 }], invalidatedBy: ownedByUser },
    {
      name: 'cached-data-scope',
      prefix: '/cached-data-scope',
      ...records,
      cache: [{ pattern: '/cached-data-scope', ttlSeconds: 120 }],
      invalidatedBy: ownedByUser,
    },
    // Uploads are large and `Prefer: wait` holds the answer for up to a minute.
    {
      name: 'qa',
      prefix: '/qa',
      upstream: origin(s.QA_URL),
      timeoutMs: s.QA_UPSTREAM_TIMEOUT_MS,
      bodyLimitBytes: s.QA_BODY_LIMIT_BYTES,
      invalidatedBy: ['qa.job.*', 'user.deleted'] satisfies EventPattern[],
      held: { max: s.QA_MAX_HELD_UPSTREAM_REQUESTS, patterns: ['/qa/jobs/:id/events'] },
    },
  ];
}
