import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * An ioredis client that reconnects forever with backoff and fails commands quickly
 * while disconnected, instead of queueing them behind a dead server.
 */
export function connectRedis(url: string, logger: Logger, name: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
  let lastError = '';
  client.on('error', (err: Error) => {
    // ioredis reports every failed reconnect; one line per distinct error is enough.
    if (err.message !== lastError) logger.warn({ err: err.message, name }, 'redis error');
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = '';
    logger.info({ name }, 'connected to redis');
  });
  return client;
}
