// First of all: when this file runs as a program with tracing configured, the instrumentations
// must be in place before express, ioredis, mongodb and amqplib load (keep these lines on top).
import { traceProcess } from '@app/common/tracing';
traceProcess('gateway', module);
import {
  createLogger,
  createMetrics,
  entryPoint,
  ignoreClientTraceContext,
  portOf,
  processOptions,
  startProcess,
  tracingEnabled,
  type RunningProcess,
} from '@app/common';
import { Admission } from './auth/admission';
import { JwksClient } from './auth/jwks-client';
import { RevocationList } from './auth/revocation-list';
import { ResponseStore } from './cache/response-store';
import { loadGatewayConfig } from './config';
import { createGatewayApp } from './http/app';
import { refuseConnect } from './http/edge-guard';
import { upstreamClient } from './proxy/upstream-client';

export type RunningGateway = RunningProcess;

async function startGateway(overrides: NodeJS.ProcessEnv = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig(overrides);
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');

  return startProcess({ logger, metrics, ...processOptions(config) }, async (setup) => {
    // Concurrent requests' commands go out in one write: fewer syscalls per request under load.
    const redis = setup.redis(config.REDIS_URL, 'gateway', { enableAutoPipelining: true });
    const cacheRedis =
      config.REDIS_CACHE_URL === config.REDIS_URL ? redis : setup.redis(config.REDIS_CACHE_URL, 'gateway-cache', { enableAutoPipelining: true });
    const routes = config.routes;
    const retries = metrics.counter(
      'gateway_upstream_retries_total',
      'Requests sent again to a service that refused or reset the connection (it was restarting)',
      ['upstream', 'reason'] as const,
    );
    const retry = { budgetMs: config.GATEWAY_UPSTREAM_RETRY_MS, counted: (upstream: string, reason: string) => retries.inc({ upstream, reason }) };
    const upstream = upstreamClient({ upstreams: routes.upstreams, retry, secret: config.IDENTITY_SECRET, logger });
    setup.onStop('upstream connections', () => upstream.close());
    const events = setup.eventBus({
      url: config.AMQP_URL,
      exchange: config.EVENTS_EXCHANGE,
      service: 'gateway',
      trustedPublishers: config.EVENTS_TRUSTED_PUBLISHERS,
    });
    const jwks = new JwksClient(
      new URL('/auth/.well-known/jwks.json', config.AUTH_URL).toString(),
      logger,
      config.JWKS_MIN_REFETCH_SECONDS * 1000,
      config.JWKS_REFRESH_SECONDS * 1000,
    );
    const revocations = new RevocationList();
    const admission = new Admission({
      redis,
      revocations,
      logger,
      perUserPerMinute: config.RATE_LIMIT_PER_USER_PER_MINUTE,
      perAddressPerMinute: config.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
      keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
      timeoutMs: config.CACHE_REDIS_TIMEOUT_MS,
    });
    const store = new ResponseStore(cacheRedis, config.CACHE_REDIS_TIMEOUT_MS);

    // Every instance must hear every revocation; cache invalidation needs doing once per event.
    await events.subscribe(
      'gateway.revocations',
      ['token.revoked'],
      async (event) => {
        revocations.remember(event.data);
      },
      { perInstance: true },
    );
    const invalidating = routes.invalidationKeys();
    if (invalidating.length > 0) {
      await events.subscribe('gateway.cache-invalidation', invalidating, async (event) => {
        // Every event of the contract names its owning user as userId (packages/common's catalogue).
        const { userId } = event.data as { userId: string };
        await store.invalidateUser(userId, routes.groupsInvalidatedBy(event.type));
      });
    }
    await events.start();
    jwks.start();
    setup.onStop('jwks refresh', () => jwks.stop());

    const app = createGatewayApp({ config, logger, metrics, redis, cacheRedis, events, jwks, admission, store, upstream });
    const server = await setup.listen(app, config.PORT, config.HOST);
    server.on('connect', refuseConnect(routes));
    // Before any request is read: this code runs in the same turn as the listen callback.
    if (tracingEnabled() && !config.TRACING_TRUST_CLIENT_TRACEPARENT) ignoreClientTraceContext(server);
    logger.info(
      { port: portOf(server), routes: routes.routes.map((r) => `${r.prefix} -> ${r.upstream.origin}${r.public ? ' (public)' : ''}`) },
      'gateway listening',
    );
    return {};
  });
}

const gateway = entryPoint('gateway', startGateway);
/** Starts the gateway; `overrides` are merged over process.env (tests pass PORT '0' and the upstreams' URLs). */
export const start = gateway.start;
/** Stops every gateway `start()` made in this process. */
export const stop = gateway.stop;

if (require.main === module) void gateway.run();
