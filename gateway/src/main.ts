import type { Agent } from 'node:http';
import { EventBus, closeServer, connectRedis, createLogger, createMetrics, listen, once, portOf, runMain, type Logger } from '@app/common';
import { Admission } from './auth/admission';
import { JwksClient } from './auth/jwks-client';
import { RevocationList } from './auth/revocation-list';
import { ResponseStore } from './cache/response-store';
import { loadGatewayConfig } from './config';
import { createGatewayApp } from './http/app';
import { refuseConnect } from './http/edge-guard';
import { keepAliveAgent } from './proxy/forward';

export interface RunningGateway {
  port: number;
  url: string;
  logger: Logger;
  stop(): Promise<void>;
}

export async function start(overrides: Record<string, string | undefined> = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig(overrides);
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  // Concurrent requests' commands go out in one write: fewer syscalls per request under load.
  const redis = connectRedis(config.REDIS_URL, logger, 'gateway', { enableAutoPipelining: true });
  const cacheRedis =
    config.REDIS_CACHE_URL === config.REDIS_URL ? redis : connectRedis(config.REDIS_CACHE_URL, logger, 'gateway-cache', { enableAutoPipelining: true });
  const events = new EventBus({
    url: config.AMQP_URL,
    exchange: config.EVENTS_EXCHANGE,
    service: 'gateway',
    logger,
    trustedPublishers: config.EVENTS_TRUSTED_PUBLISHERS,
  });
  const routes = config.routes;
  const agents = new Map<string, Agent>(routes.upstreams.map((u) => [u.origin, keepAliveAgent(u.origin)]));
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
  await events.subscribe('gateway.revocations', ['token.revoked'], async (event) => {
    revocations.remember(event.data);
  }, { perInstance: true });
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

  const app = createGatewayApp({ config, logger, metrics, redis, cacheRedis, events, jwks, admission, store, agents });
  const server = await listen(app, config.PORT, config.HOST);
  server.on('connect', refuseConnect(routes));
  const port = portOf(server);
  logger.info({ port, routes: routes.routes.map((r) => `${r.prefix} -> ${r.upstream.origin}${r.public ? ' (public)' : ''}`) }, 'gateway listening');

  const stop = once(async () => {
    await closeServer(server, Math.min(5000, config.SHUTDOWN_TIMEOUT_MS / 2));
    jwks.stop();
    await events.close();
    for (const agent of agents.values()) agent.destroy();
    redis.disconnect();
    if (cacheRedis !== redis) cacheRedis.disconnect();
  });
  return { port, url: `http://127.0.0.1:${port}`, logger, stop };
}

if (require.main === module) void runMain('gateway', () => start());
