import { AppError, createServiceApp, dependency, type EventBus, type Logger, type Metrics, type RedisClient } from '@app/common';
import cors from 'cors';
import { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import type { Algorithm } from 'jsonwebtoken';
import type { Admission } from '../auth/admission';
import type { JwksClient } from '../auth/jwks-client';
import { VerifiedTokenCache } from '../auth/token-verifier';
import { responseCache } from '../cache/cache-middleware';
import type { ResponseStore } from '../cache/response-store';
import type { GatewayConfig } from '../config';
import { OpenApiAggregator } from '../docs/openapi';
import type { UpstreamClient } from '../proxy/upstream-client';
import { stripClientIdentity } from '../proxy/identity-headers';
import { contextOf, type RequestContext } from '../request-context';
import { authenticate } from './authenticate';
import { edgeGuard, isOwnPath } from './edge-guard';
import { heldRequestLimit } from './held-requests';
import { applyHeaders, recordHeaders } from './static-headers';

export interface GatewayParts {
  config: GatewayConfig;
  logger: Logger;
  metrics: Metrics;
  redis: RedisClient;
  cacheRedis: RedisClient;
  events: EventBus;
  jwks: JwksClient;
  admission: Admission;
  store: ResponseStore;
  /** The proxy's and the cache fill's one way to the services. */
  upstream: UpstreamClient;
}

export function createGatewayApp(parts: GatewayParts): Express {
  const { config, logger } = parts;
  const routes = config.routes;
  const openapi = new OpenApiAggregator(routes, config.OPENAPI_CACHE_SECONDS * 1000, logger);
  const tokens = new VerifiedTokenCache({
    jwks: parts.jwks,
    algorithms: config.JWT_ALGORITHMS as Algorithm[],
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
  });
  const proxies = new Map(routes.routes.map((route) => [route, parts.upstream.proxy(route)]));
  const corsAll = config.CORS_ORIGINS.includes('*');
  const cache = responseCache({
    routes,
    store: parts.store,
    upstream: parts.upstream,
    maxEntryBytes: config.CACHE_MAX_ENTRY_BYTES,
    lockWaitMs: config.CACHE_LOCK_WAIT_MS,
    logger,
    metrics: parts.metrics,
  });
  // Every request to a service: token and admission, the bound on held requests, cache, then the proxy.
  const handlers: Handler[] = [
    authenticate({ tokens, admission: parts.admission, metrics: parts.metrics, alongsideAdmission: cache.prefetch }),
    heldRequestLimit(),
    cache.handle,
    (req: Request, res: Response, next: NextFunction) => {
      const route = contextOf(req).route;
      const proxy = route && proxies.get(route);
      if (!proxy) return next();
      return proxy(req, res, next);
    },
  ];
  const serve = inOrder([bodyLimit, ...handlers]);

  return createServiceApp({
    service: 'gateway',
    logger,
    metrics: parts.metrics,
    // What the gateway cannot serve without, and what it serves without (docs/operations.md, "Readiness"):
    // without Redis rate limits count in memory and revocations come from events, the cache fails
    // open, invalidations wait for the broker; without the JWKS no token can be verified.
    dependencies: [
      dependency.redis(parts.redis, 'degradable'),
      ...(config.REDIS_CACHE_URL !== config.REDIS_URL ? [dependency.redis(parts.cacheRedis, 'degradable', 'redis-cache')] : []),
      dependency.rabbitmq(parts.events, 'degradable'),
      {
        name: 'auth-jwks',
        need: 'required',
        check: async () => {
          if (!parts.jwks.hasKeys()) await parts.jwks.refresh();
        },
      },
    ],
    before: (app) => {
      app.set('trust proxy', config.TRUST_PROXY);
      const guard = edgeGuard(routes);
      const secure = helmet({
        // Swagger UI needs inline styles; everything else stays locked to this origin.
        contentSecurityPolicy: {
          directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null },
        },
      });
      const crossOrigin = cors({
        origin: corsAll ? '*' : config.CORS_ORIGINS,
        exposedHeaders: ['x-request-id', 'x-cache', 'etag', 'location', 'retry-after', 'age', 'preference-applied'],
        maxAge: 600,
      });
      // helmet's headers, and CORS's on anything but a preflight when every origin is allowed, are
      // the same on every response: recorded once, replayed per request.
      const secureHeaders = recordHeaders(secure, { method: 'GET', headers: {} });
      const crossOriginHeaders = corsAll ? recordHeaders(crossOrigin, { method: 'GET', headers: {} }) : undefined;
      // A path a service owns goes straight to the gateway's handlers below: the platform's own
      // routes cannot match it, and express would otherwise test each of their layers first.
      const toService = (req: Request, res: Response, next: NextFunction, context: RequestContext) => {
        if (context.route && !isOwnPath(context.target.path)) serve(req, res, next);
        else next();
      };
      // One layer for the edge: the canonical target (or a refusal before any header is set),
      // client identity headers removed, then helmet and CORS.
      app.use((req: Request, res: Response, next: NextFunction) => {
        const context = guard(req);
        const removed = stripClientIdentity(req.headers);
        if (removed.length > 0) logger.warn({ removed }, 'client-sent identity headers removed');
        if (secureHeaders && crossOriginHeaders && req.method !== 'OPTIONS') {
          applyHeaders(res, secureHeaders);
          applyHeaders(res, crossOriginHeaders);
          toService(req, res, next, context);
          return;
        }
        const afterSecure = () => {
          if (crossOriginHeaders && req.method !== 'OPTIONS') {
            applyHeaders(res, crossOriginHeaders);
            toService(req, res, next, context);
          } else crossOrigin(req, res, (err?: unknown) => (err ? next(err) : toService(req, res, next, context)));
        };
        if (secureHeaders) {
          applyHeaders(res, secureHeaders);
          afterSecure();
        } else secure(req, res, (err?: unknown) => (err ? next(err) : afterSecure()));
      });
    },
    routes: (app) => {
      app.use(bodyLimit);
      app.get('/openapi.json', async (_req, res) => {
        res.json(await openapi.document());
      });
      app.use(
        '/docs',
        swaggerUi.serve,
        swaggerUi.setup(undefined, {
          customSiteTitle: 'API gateway — docs',
          swaggerOptions: { url: '/openapi.json', persistAuthorization: true, displayRequestDuration: true },
        }),
      );
      // Reached here by an unknown path (a 404 after the body limit), or by a route whose prefix is
      // also one of the gateway's own paths.
      app.use(inOrder(handlers));
    },
  });
}

type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/** Runs handlers in order as express would (a thrown error or a rejected promise goes to `done`), without its router. */
function inOrder(handlers: readonly Handler[]): Handler {
  return (req, res, done) => {
    let index = 0;
    const step = (err?: unknown) => {
      if (err !== undefined) return done(err);
      const handler = handlers[index++];
      if (!handler) return done();
      try {
        const returned = handler(req, res, step);
        if (returned instanceof Promise) returned.then(undefined, (e: unknown) => done(e ?? new Error('Rejected promise')));
      } catch (e) {
        done(e);
      }
    };
    step();
  };
}

/** Refuses a declared body over the route's limit before a byte of it is forwarded. */
function bodyLimit(req: Request, _res: Response, next: NextFunction) {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (!declared) return next();
  const limit = contextOf(req).route?.bodyLimitBytes ?? 64 * 1024;
  if (declared > limit) return next(AppError.payloadTooLarge(`Request body is larger than ${limit} bytes`));
  next();
}
