import type { Agent } from 'node:http';
import { EventBus, closeServer, connectRedis, createLogger, createMetrics, listen, once, portOf, runMain, type Logger } from '@app/common';
import { JwksClient } from './auth/jwks-client';
import { RevocationList } from './auth/revocation-list';
import { ResponseStore } from './cache/response-store';
import { loadGatewayConfig } from './config';
import { createGatewayApp } from './http/app';
import { keepAliveAgent } from './proxy/forward';
import { upstreamsFrom } from './proxy/upstreams';

export interface RunningGateway {
  port: number;
  url: string;
  logger: Logger;
  stop(): Promise<void>;
}

interface OwnedEvent {
  owner?: string;
  userId?: string;
}

export async function start(overrides: Record<string, string | undefined> = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig(overrides);
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const redis = connectRedis(config.REDIS_URL, logger, 'gateway');
  const cacheRedis =
    config.REDIS_CACHE_URL === config.REDIS_URL ? redis : connectRedis(config.REDIS_CACHE_URL, logger, 'gateway-cache');
  const events = new EventBus({
    url: config.AMQP_URL,
    exchange: config.EVENTS_EXCHANGE,
    service: 'gateway',
    logger,
    trustedPublishers: config.EVENTS_TRUSTED_PUBLISHERS,
  });
  const upstreams = upstreamsFrom(config);
  const agents = new Map<string, Agent>(upstreams.map((u) => [u.name, keepAliveAgent(u.url)]));
  const jwks = new JwksClient(
    new URL('/auth/.well-known/jwks.json', config.AUTH_URL).toString(),
    logger,
    config.JWKS_MIN_REFETCH_SECONDS * 1000,
    config.JWKS_REFRESH_SECONDS * 1000,
  );
  const revocations = new RevocationList(redis, logger, config.CACHE_REDIS_TIMEOUT_MS);
  const store = new ResponseStore(cacheRedis, config.CACHE_REDIS_TIMEOUT_MS);

  // Every instance must hear every revocation; cache invalidation needs doing once per event.
  await events.subscribe('gateway.revocations', ['token.revoked'], async (event) => {
    revocations.remember(event.data as { jti?: string; exp?: number; userId?: string; before?: number });
  }, { perInstance: true });
  await events.subscribe('gateway.cache-invalidation', ['record.*', 'user.deleted', 'qa.job.*'], async (event) => {
    const data = event.data as OwnedEvent;
    const userId = data.owner ?? data.userId;
    if (userId) await store.invalidateUser(userId);
  });
  await events.start();
  jwks.start();

  const app = createGatewayApp({ config, logger, metrics, redis, cacheRedis, events, jwks, revocations, store, upstreams, agents });
  const server = await listen(app, config.PORT, config.HOST);
  const port = portOf(server);
  logger.info({ port }, 'gateway listening');

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
