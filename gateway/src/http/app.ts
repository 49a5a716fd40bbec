import type { Agent } from 'node:http';
import { AppError, createServiceApp, dependency, type EventBus, type Logger, type Metrics } from '@app/common';
import cors from 'cors';
import { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import swaggerUi from 'swagger-ui-express';
import type { Algorithm } from 'jsonwebtoken';
import type { JwksClient } from '../auth/jwks-client';
import type { RevocationList } from '../auth/revocation-list';
import { responseCache } from '../cache/cache-middleware';
import { parseCacheRules } from '../cache/cache-rules';
import type { ResponseStore } from '../cache/response-store';
import type { GatewayConfig } from '../config';
import { OpenApiAggregator } from '../docs/openapi';
import { forwardTo } from '../proxy/forward';
import { stripClientIdentity } from '../proxy/identity-headers';
import { ownsPath, type Upstream } from '../proxy/upstreams';
import { authenticate } from './authenticate';
import { publicPathMatcher } from './public-paths';
import { rateLimit } from './rate-limit';

export interface GatewayParts {
  config: GatewayConfig;
  logger: Logger;
  metrics: Metrics;
  redis: Redis;
  cacheRedis: Redis;
  events: EventBus;
  jwks: JwksClient;
  revocations: RevocationList;
  store: ResponseStore;
  upstreams: Upstream[];
  agents: Map<string, Agent>;
}

export function createGatewayApp(parts: GatewayParts): Express {
  const { config, logger, upstreams } = parts;
  const isPublic = publicPathMatcher(config.PUBLIC_PATHS);
  const openapi = new OpenApiAggregator(upstreams, config.OPENAPI_CACHE_SECONDS * 1000, logger);
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
      app.use(bodyLimit(upstreams));

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

      app.use(
        authenticate(isPublic, {
          jwks: parts.jwks,
          revocations: parts.revocations,
          algorithms: config.JWT_ALGORITHMS as Algorithm[],
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
        }),
      );
      app.use(
        rateLimit({
          redis: parts.redis,
          logger,
          perUserPerMinute: config.RATE_LIMIT_PER_USER_PER_MINUTE,
          perAddressPerMinute: config.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
          keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
        }),
      );
      app.use(
        responseCache({
          store: parts.store,
          rules: parseCacheRules(config.CACHE_ROUTES),
          upstreams,
          agents: parts.agents,
          secret: config.IDENTITY_SECRET,
          maxEntryBytes: config.CACHE_MAX_ENTRY_BYTES,
          lockWaitMs: config.CACHE_LOCK_WAIT_MS,
          logger,
          metrics: parts.metrics,
        }),
      );
      for (const upstream of upstreams) {
        app.use(forwardTo(upstream, parts.agents.get(upstream.name)!, config.IDENTITY_SECRET, logger));
      }
    },
  });
}

/** Refuses a declared body over the route's limit before a byte of it is forwarded. */
function bodyLimit(upstreams: Upstream[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!declared) return next();
    const upstream = upstreams.find((u) => ownsPath(u, req.path));
    const limit = upstream?.bodyLimitBytes ?? 64 * 1024;
    if (declared > limit) return next(AppError.payloadTooLarge(`Request body is larger than ${limit} bytes`));
    next();
  };
}
