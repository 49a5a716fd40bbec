import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { parseRedisUrl, redactRedisUrl } from './redis-url';

/** Either ioredis client: they share every command this project sends, transactions and scripts included. */
export type RedisClient = Redis | Cluster;

/**
 * An ioredis client for any Redis URL `parseRedisUrl` reads, that reconnects forever with backoff
 * and fails commands quickly while disconnected, instead of queueing them behind a dead server.
 * `options` are per-connection settings; with a Cluster they apply to each node's connection, and
 * the offline queue and auto-pipelining to the cluster client as well.
 */
export function connectRedis(url: string, logger: Logger, name: string, options: RedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  const perConnection: RedisOptions = {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  };
  let client: RedisClient;
  if (target.mode === 'standalone') {
    client = new Redis(url, perConnection);
  } else if (target.mode === 'sentinel') {
    client = new Redis({
      ...perConnection,
      sentinels: target.sentinels,
      name: target.name,
      db: target.db,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
      ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // Hears +switch-master from the sentinels, so a failover moves the connection at once
      // instead of when the demoted master next drops it.
      failoverDetector: true,
      sentinelRetryStrategy: (times) => Math.min(times * 200, 2000),
    });
  } else {
    const { enableOfflineQueue, enableAutoPipelining, retryStrategy: _perNodeRetry, ...nodeOptions } = perConnection;
    client = new Cluster(target.nodes, {
      enableOfflineQueue,
      enableAutoPipelining: enableAutoPipelining ?? false,
      clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
      // A moved slot or a failover answers MOVED/CLUSTERDOWN for a moment: retried, not failed.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      redisOptions: {
        ...nodeOptions,
        ...(target.username ? { username: target.username } : {}),
        ...(target.password ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
      },
    });
  }
  if (target.mode === 'sentinel' && target.minReplicaAcks > 0) replicaAcks.set(client, target.minReplicaAcks);
  let lastError = '';
  client.on('error', (err: Error) => {
    // ioredis reports every failed reconnect; one line per distinct error is enough.
    if (err.message !== lastError) logger.warn({ err: err.message, name }, 'redis error');
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = '';
    logger.info({ name, mode: target.mode, url: redactRedisUrl(url) }, 'connected to redis');
  });
  return client;
}

const replicaAcks = new WeakMap<RedisClient, number>();

/**
 * Waits until the replicas a Sentinel URL asks for (`minReplicaAcks`, 1 by default) hold every write
 * this client sent so far, and throws when they do not within `timeoutMs`. Replication is
 * asynchronous: a write the master acknowledged in the moment before a failover may never reach the
 * new master, and a master demoted by a failover has no replica left to confirm anything. Called
 * after the writes whose loss nobody would notice (a queued job, a cache invalidation, a
 * revocation), so that they fail loudly and are retried instead. One server, or a Cluster: no-op.
 */
export async function confirmWrites(client: RedisClient, timeoutMs: number): Promise<void> {
  const needed = replicaAcks.get(client);
  if (!needed) return;
  const acked = await (client as Redis).wait(needed, timeoutMs);
  if (acked < needed) throw new Error(`write held by ${acked} of ${needed} replicas after ${timeoutMs} ms`);
}
