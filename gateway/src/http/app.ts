import type { Agent } from 'node:http';
import { AppError, createServiceApp, dependency, type EventBus, type Logger, type Metrics } from '@app/common';
import cors from 'cors';
import { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import swaggerUi from 'swagger-ui-express';
import type { Algorithm } from 'jsonwebtoken';
import type { Admission } from '../auth/admission';
import type { JwksClient } from '../auth/jwks-client';
import { VerifiedTokenCache } from '../auth/token-verifier';
import { responseCache } from '../cache/cache-middleware';
import type { ResponseStore } from '../cache/response-store';
import type { GatewayConfig } from '../config';
import { OpenApiAggregator } from '../docs/openapi';
import { forwardTo } from '../proxy/forward';
import { stripClientIdentity } from '../proxy/identity-headers';
import { authenticate } from './authenticate';
import { edgeGuard } from './edge-guard';

export interface GatewayParts {
  config: GatewayConfig;
  logger: Logger;
  metrics: Metrics;
  redis: Redis;
  cacheRedis: Redis;
  events: EventBus;
  jwks: JwksClient;
  admission: Admission;
  store: ResponseStore;
  /** One keep-alive agent per upstream origin. */
  agents: Map<string, Agent>;
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
  const proxies = new Map(routes.routes.map((route) => [route, forwardTo(route, parts.agents.get(route.upstream.origin)!, config.IDENTITY_SECRET, logger)]));
  const corsAll = config.CORS_ORIGINS.includes('*');

  return createServiceApp({
    service: 'gateway',
    logger,
    metrics: parts.metrics,
    dependencies: [
      dependency.redis(parts.redis),
      ...(config.REDIS_CACHE_URL !== config.REDIS_URL ? [dependency.redis(parts.cacheRedis, 'redis-cache')] : []),
      dependency.rabbitmq(parts.events),
      {
        name: 'auth-jwks',
        check: async () => {
          if (!parts.jwks.hasKeys()) await parts.jwks.refresh();
        },
      },
    ],
    before: (app) => {
      app.set('trust proxy', config.TRUST_PROXY);
      app.use(edgeGuard(routes));
      app.use((req: Request, _res: Response, next: NextFunction) => {
        const removed = stripClientIdentity(req.headers);
        if (removed.length > 0) logger.warn({ removed }, 'client-sent identity headers removed');
        next();
      });
      app.use(
        helmet({
          // Swagger UI needs inline styles; everything else stays locked to this origin.
          contentSecurityPolicy: {
            directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null },
          },
        }),
      );
      app.use(
        cors({
          origin: corsAll ? '*' : config.CORS_ORIGINS,
          exposedHeaders: ['x-request-id', 'x-cache', 'etag', 'location', 'retry-after', 'age', 'preference-applied'],
          maxAge: 600,
        }),
      );
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

      app.use(authenticate({ routes, tokens, admission: parts.admission, store: parts.store }));
      app.use(
        responseCache({
          store: parts.store,
          agents: parts.agents,
          secret: config.IDENTITY_SECRET,
          maxEntryBytes: config.CACHE_MAX_ENTRY_BYTES,
          lockWaitMs: config.CACHE_LOCK_WAIT_MS,
          logger,
          metrics: parts.metrics,
        }),
      );
      app.use((req: Request, res: Response, next: NextFunction) => {
        const proxy = req.gatewayRoute && proxies.get(req.gatewayRoute);
        if (!proxy) return next();
        return proxy(req, res, next);
      });
    },
  });
}

/** Refuses a declared body over the route's limit before a byte of it is forwarded. */
function bodyLimit(req: Request, _res: Response, next: NextFunction) {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (!declared) return next();
  const limit = req.gatewayRoute?.bodyLimitBytes ?? 64 * 1024;
  if (declared > limit) return next(AppError.payloadTooLarge(`Request body is larger than ${limit} bytes`));
  next();
}
